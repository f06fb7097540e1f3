package dev.weft.operator;

import io.fabric8.kubernetes.api.model.Secret;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

/**
 * The etcd client certificate of a TLS Secret (keys ca.crt, tls.crt, tls.key, as the agents mount
 * it), written to files for the etcd client, readable by the operator only.
 */
record EtcdTlsFiles(Path caFile, Path certFile, Path keyFile) {
    static final String CA = "ca.crt";
    static final String CERT = "tls.crt";
    static final String KEY = "tls.key";

    static EtcdTlsFiles write(Secret secret, Path dir) {
        String name = secret.getMetadata().getName();
        Map<String, String> data = secret.getData() == null ? Map.of() : secret.getData();
        for (String key : new String[] {CERT, KEY}) {
            if (!data.containsKey(key)) {
                throw new IllegalArgumentException("Secret " + name + " has no " + key + " (it needs " + CA + ", " + CERT + " and " + KEY + ")");
            }
        }
        try {
            Files.createDirectories(dir);
            Path ca = data.containsKey(CA) ? writePrivate(dir.resolve(CA), data.get(CA)) : null;
            return new EtcdTlsFiles(ca, writePrivate(dir.resolve(CERT), data.get(CERT)), writePrivate(dir.resolve(KEY), data.get(KEY)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the etcd TLS files of Secret " + name + " to " + dir, e);
        }
    }

    private static Path writePrivate(Path file, String base64) throws IOException {
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(file, Base64.getDecoder().decode(base64));
        return file;
    }
}
