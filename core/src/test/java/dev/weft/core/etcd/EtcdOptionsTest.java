package dev.weft.core.etcd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdOptionsTest {
    @TempDir
    Path dir;

    private static String error(EtcdOptions.Builder builder) {
        return assertThrows(IllegalArgumentException.class, builder::build).getMessage();
    }

    private String file(String name) throws IOException {
        return Files.writeString(dir.resolve(name), "-----BEGIN X-----\n").toString();
    }

    @Test
    void defaultsAreFlannels() {
        EtcdOptions options = EtcdOptions.defaults();
        assertEquals(List.of(URI.create("http://127.0.0.1:4001"), URI.create("http://127.0.0.1:2379")), options.endpoints());
        assertEquals("/coreos.com/network", options.prefix());
        assertFalse(options.usesTls());
    }

    @Test
    void trailingSlashesOfThePrefixAreDropped() {
        assertEquals("/vxlan/network", EtcdOptions.builder().prefix("/vxlan/network/").build().prefix());
    }

    @Test
    void badEndpointsNameTheFlag() {
        assertEquals("etcd-endpoints: invalid endpoint \"127.0.0.1:2379\": expected http://host:port or https://host:port",
            error(EtcdOptions.builder().endpoints("127.0.0.1:2379")));
        assertEquals("etcd-endpoints: invalid endpoint \"http://etcd\": expected http://host:port or https://host:port",
            error(EtcdOptions.builder().endpoints("http://etcd")));
        assertEquals("etcd-endpoints: at least one endpoint is needed, e.g. http://127.0.0.1:2379",
            error(EtcdOptions.builder().endpoints(" , ")));
    }

    @Test
    void badPrefixNamesTheFlag() {
        assertEquals("etcd-prefix: must start with \"/\", got \"coreos.com/network\"",
            error(EtcdOptions.builder().prefix("coreos.com/network")));
    }

    @Test
    void tlsNeedsCertificateAndKeyTogether() throws IOException {
        String cert = file("cert.pem");
        String key = file("key.pem");
        assertEquals("etcd-keyfile: must be set together with etcd-certfile (" + cert + ")",
            error(EtcdOptions.builder().endpoints("https://127.0.0.1:2379").certFile(cert)));
        assertEquals("etcd-certfile: must be set together with etcd-keyfile (" + key + ")",
            error(EtcdOptions.builder().endpoints("https://127.0.0.1:2379").keyFile(key)));
    }

    @Test
    void caFileAloneIsRefusedRatherThanIgnored() throws IOException {
        String ca = file("ca.pem");
        String message = error(EtcdOptions.builder().endpoints("https://127.0.0.1:2379").caFile(ca));
        assertTrue(message.startsWith("etcd-cafile: is set (" + ca + ") but etcd-certfile and etcd-keyfile are not"), message);
    }

    @Test
    void missingTlsFilesNameTheFlagAndThePath() {
        Path missing = dir.resolve("nope.pem");
        assertEquals("etcd-cafile: cannot read " + missing + " (no such file)",
            error(EtcdOptions.builder().caFile(missing.toString())));
        assertEquals("etcd-certfile: cannot read " + missing + " (no such file)",
            error(EtcdOptions.builder().certFile(missing.toString())));
        assertEquals("etcd-keyfile: cannot read " + missing + " (no such file)",
            error(EtcdOptions.builder().keyFile(missing.toString())));
    }

    @Test
    void schemeMustMatchTheTlsSetting() throws IOException {
        String cert = file("cert.pem");
        String key = file("key.pem");
        assertEquals("etcd-endpoints: http://127.0.0.1:2379 is plain http but etcd-certfile and etcd-keyfile are set;"
                + " use https:// endpoints",
            error(EtcdOptions.builder().endpoints("http://127.0.0.1:2379").certFile(cert).keyFile(key)));
        assertTrue(error(EtcdOptions.builder().endpoints("https://127.0.0.1:2379"))
            .startsWith("etcd-endpoints: https://127.0.0.1:2379 needs TLS: set etcd-certfile and etcd-keyfile"));
    }

    @Test
    void acceptsAFullTlsSetup() throws IOException {
        EtcdOptions options = EtcdOptions.builder().endpoints("https://10.0.0.1:2379,https://10.0.0.2:2379")
            .caFile(file("ca.pem")).certFile(file("cert.pem")).keyFile(file("key.pem")).build();
        assertTrue(options.usesTls());
        assertEquals(2, options.endpoints().size());
    }

    @Test
    void userAndPasswordGoTogetherAndThePasswordIsNeverPrinted() {
        assertEquals("etcd-password: is set but etcd-username is not", error(EtcdOptions.builder().password("s3cret")));
        assertEquals("etcd-username: is set (root) but etcd-password is not", error(EtcdOptions.builder().username("root")));
        EtcdOptions options = EtcdOptions.builder().username("root").password("s3cret").build();
        assertFalse(options.toString().contains("s3cret"), options.toString());
    }
}
