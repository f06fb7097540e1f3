package dev.weft.operator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EtcdTlsFilesTest {
    private static String b64(String text) {
        return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void theSecretsKeysBecomeFilesOnlyTheOperatorCanRead(@TempDir Path dir) throws Exception {
        Secret secret = new SecretBuilder().withNewMetadata().withName("etcd-client-tls").endMetadata()
            .addToData("ca.crt", b64("CA")).addToData("tls.crt", b64("CERT")).addToData("tls.key", b64("KEY")).build();

        EtcdTlsFiles files = EtcdTlsFiles.write(secret, dir.resolve("net"));

        assertEquals("CA", Files.readString(files.caFile()));
        assertEquals("CERT", Files.readString(files.certFile()));
        assertEquals("KEY", Files.readString(files.keyFile()));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(files.keyFile())));
    }

    @Test
    void aSecretWithoutCaUsesTheDefaultTrustAndOneWithoutAKeyIsRefusedByName(@TempDir Path dir) {
        Secret noCa = new SecretBuilder().withNewMetadata().withName("s").endMetadata()
            .addToData("tls.crt", b64("CERT")).addToData("tls.key", b64("KEY")).build();
        assertNull(EtcdTlsFiles.write(noCa, dir).caFile());

        Secret noKey = new SecretBuilder().withNewMetadata().withName("half").endMetadata().addToData("tls.crt", b64("CERT")).build();
        var e = assertThrows(IllegalArgumentException.class, () -> EtcdTlsFiles.write(noKey, dir));
        assertTrue(e.getMessage().contains("half") && e.getMessage().contains("tls.key"), e.getMessage());
    }
}
