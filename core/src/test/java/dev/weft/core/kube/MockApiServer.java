package dev.weft.core.kube;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;

/**
 * fabric8's mock API server in CRUD mode, with Weft's CRDs (from crds/) installed so that it knows
 * their scope and status subresource. No real API server can run here.
 */
public final class MockApiServer implements AutoCloseable {
    /** Held so that the level sticks: the mock logs every request at INFO. */
    private static final java.util.logging.Logger MOCK_LOG = java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

    static {
        MOCK_LOG.setLevel(java.util.logging.Level.WARNING);
    }

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    public MockApiServer() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
            new KubernetesCrudDispatcher(List.of()), false);
        server.init();
        client = server.createClient();
        for (String crd : List.of("overlaynetworks.weft.dev.yaml", "subnetleases.weft.dev.yaml")) {
            try (InputStream in = Files.newInputStream(crdsDirectory().resolve(crd))) {
                client.apiextensions().v1().customResourceDefinitions().load(in).create();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read " + crd, e);
            }
        }
    }

    /** crds/ at the repository root, from core/ or operator/ as the working directory. */
    static Path crdsDirectory() {
        for (Path candidate : List.of(Path.of("..", "crds"), Path.of("crds"))) {
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        throw new IllegalStateException("no crds/ directory near " + Path.of("").toAbsolutePath());
    }

    public KubernetesClient client() {
        return client;
    }

    /** Another client on the same server, as a second host would have. */
    public KubernetesClient newClient() {
        return server.createClient();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
