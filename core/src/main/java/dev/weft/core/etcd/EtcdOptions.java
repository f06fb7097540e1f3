package dev.weft.core.etcd;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How to reach the etcd that holds the network (flanneld's {@code --etcd-*} flags, same defaults).
 * TLS is used only when both a client certificate and its key are given, as in Flannel; the
 * endpoints must then be https. Every error names the flag at fault.
 *
 * @param endpoints http:// or https:// URLs with host and port
 * @param prefix    the key prefix, e.g. {@code /coreos.com/network} (no trailing slash)
 * @param caFile    PEM CA bundle to trust, or null for the JVM's default trust
 * @param certFile  PEM client certificate, or null
 * @param keyFile   PEM (PKCS#8) client key, or null
 * @param username  etcd user, or null
 * @param password  that user's password, or null
 */
public record EtcdOptions(List<URI> endpoints, String prefix, Path caFile, Path certFile, Path keyFile,
                          String username, String password) {

    public static final String DEFAULT_ENDPOINTS = "http://127.0.0.1:4001,http://127.0.0.1:2379";
    public static final String DEFAULT_PREFIX = "/coreos.com/network";

    public EtcdOptions {
        if (endpoints == null || endpoints.isEmpty()) {
            throw new IllegalArgumentException("etcd-endpoints: at least one endpoint is needed, e.g. http://127.0.0.1:2379");
        }
        endpoints = List.copyOf(endpoints);
        for (URI endpoint : endpoints) {
            checkEndpoint(endpoint);
        }
        if (prefix == null || !prefix.startsWith("/")) {
            throw new IllegalArgumentException("etcd-prefix: must start with \"/\", got \"" + prefix + "\"");
        }
        while (prefix.length() > 1 && prefix.endsWith("/")) {
            prefix = prefix.substring(0, prefix.length() - 1);
        }
        if (prefix.equals("/")) {
            throw new IllegalArgumentException("etcd-prefix: must name a path below \"/\", e.g. " + DEFAULT_PREFIX);
        }
        checkReadable("etcd-cafile", caFile);
        checkReadable("etcd-certfile", certFile);
        checkReadable("etcd-keyfile", keyFile);
        if ((certFile == null) != (keyFile == null)) {
            throw new IllegalArgumentException(certFile == null
                ? "etcd-certfile: must be set together with etcd-keyfile (" + keyFile + ")"
                : "etcd-keyfile: must be set together with etcd-certfile (" + certFile + ")");
        }
        boolean tls = certFile != null;
        if (caFile != null && !tls) {
            throw new IllegalArgumentException("etcd-cafile: is set (" + caFile + ") but etcd-certfile and etcd-keyfile"
                + " are not; TLS is used only with a client certificate and key, as in Flannel");
        }
        for (URI endpoint : endpoints) {
            boolean https = endpoint.getScheme().equalsIgnoreCase("https");
            if (tls && !https) {
                throw new IllegalArgumentException("etcd-endpoints: " + endpoint + " is plain http but etcd-certfile and"
                    + " etcd-keyfile are set; use https:// endpoints");
            }
            if (!tls && https) {
                throw new IllegalArgumentException("etcd-endpoints: " + endpoint + " needs TLS: set etcd-certfile and"
                    + " etcd-keyfile (and etcd-cafile for a private CA)");
            }
        }
        username = blankToNull(username);
        password = blankToNull(password);
        if (password != null && username == null) {
            throw new IllegalArgumentException("etcd-password: is set but etcd-username is not");
        }
        if (username != null && password == null) {
            throw new IllegalArgumentException("etcd-username: is set (" + username + ") but etcd-password is not");
        }
    }

    /** Flannel's defaults: local etcd on both classic ports, prefix {@code /coreos.com/network}, no TLS. */
    public static EtcdOptions defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Whether connections use TLS with a client certificate. */
    public boolean usesTls() {
        return certFile != null;
    }

    @Override
    public String toString() {
        return "EtcdOptions[endpoints=" + endpoints + ", prefix=" + prefix + ", caFile=" + caFile
            + ", certFile=" + certFile + ", keyFile=" + keyFile + ", username=" + username
            + ", password=" + (password == null ? null : "****") + "]";
    }

    private static void checkEndpoint(URI endpoint) {
        if (endpoint == null) {
            throw new IllegalArgumentException("etcd-endpoints: empty endpoint");
        }
        String scheme = endpoint.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("http") || scheme.equalsIgnoreCase("https"))
                || endpoint.getHost() == null || endpoint.getPort() < 0) {
            throw new IllegalArgumentException("etcd-endpoints: invalid endpoint \"" + endpoint
                + "\": expected http://host:port or https://host:port");
        }
    }

    private static void checkReadable(String flag, Path file) {
        if (file != null && !Files.isReadable(file)) {
            throw new IllegalArgumentException(flag + ": cannot read " + file
                + (Files.exists(file) ? " (permission denied)" : " (no such file)"));
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }

    /** Takes the flags as text, as a command line gives them; blank means unset. */
    public static final class Builder {
        private String endpoints = DEFAULT_ENDPOINTS;
        private String prefix = DEFAULT_PREFIX;
        private String caFile;
        private String certFile;
        private String keyFile;
        private String username;
        private String password;

        /** Comma-separated URLs, as {@code --etcd-endpoints}. */
        public Builder endpoints(String commaSeparated) { endpoints = commaSeparated; return this; }
        public Builder endpoints(List<String> urls) { endpoints = String.join(",", urls); return this; }
        public Builder prefix(String v) { prefix = v; return this; }
        public Builder caFile(String v) { caFile = v; return this; }
        public Builder certFile(String v) { certFile = v; return this; }
        public Builder keyFile(String v) { keyFile = v; return this; }
        public Builder username(String v) { username = v; return this; }
        public Builder password(String v) { password = v; return this; }

        public EtcdOptions build() {
            List<URI> uris = new ArrayList<>();
            if (endpoints != null) {
                for (String part : endpoints.split(",")) {
                    String text = part.trim();
                    if (text.isEmpty()) {
                        continue;
                    }
                    try {
                        uris.add(new URI(text));
                    } catch (URISyntaxException e) {
                        throw new IllegalArgumentException("etcd-endpoints: invalid endpoint \"" + text
                            + "\": expected http://host:port or https://host:port");
                    }
                }
            }
            return new EtcdOptions(uris, prefix == null || prefix.isBlank() ? DEFAULT_PREFIX : prefix.trim(),
                path(caFile), path(certFile), path(keyFile), username, password);
        }

        private static Path path(String text) {
            return text == null || text.isBlank() ? null : Path.of(text.trim());
        }
    }
}
