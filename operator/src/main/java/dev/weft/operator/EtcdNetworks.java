package dev.weft.operator;

import dev.weft.core.api.EtcdStoreSpec;
import dev.weft.core.api.OverlayNetwork;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.etcd.EtcdOptions;
import dev.weft.core.etcd.EtcdSubnetRegistry;
import dev.weft.core.lease.LeaseSnapshot;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.jboss.logging.Logger;

/**
 * The operator's connections to the etcd clusters of etcd-store networks, one per network: it
 * writes the network config where flanneld and the agents read it, and mirrors the leases.
 */
@ApplicationScoped
public class EtcdNetworks {
    private static final Logger LOG = Logger.getLogger(EtcdNetworks.class);

    /** What the operator found at {@code <prefix>/config}. */
    public enum ConfigState { WRITTEN, SAME, DIFFERENT }

    public record ConfigCheck(ConfigState state, String key, String etcdJson) {
    }

    private final Map<String, Link> links = new ConcurrentHashMap<>();
    private final Path tlsRoot;

    public EtcdNetworks() {
        try {
            tlsRoot = Files.createTempDirectory("weft-etcd-tls");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Connects (or keeps the connection) to the network's etcd, makes sure the lease mirror runs,
     * and writes the network config to {@code <prefix>/config} when absent. Throws when etcd cannot
     * be reached or the TLS Secret is missing; the caller reports it.
     */
    public ConfigCheck sync(OverlayNetwork network, NetworkConfig config, KubernetesClient client, String namespace) {
        Link link = link(network, client, namespace);
        String json = NetworkConfigJson.write(config);
        if (link.registry.putConfigIfAbsent(json)) {
            LOG.infof("wrote the config of %s to etcd at %s/config", network.getMetadata().getName(), link.prefix);
            return new ConfigCheck(ConfigState.WRITTEN, link.prefix + "/config", json);
        }
        Optional<String> stored = link.registry.getConfigJson();
        NetworkConfig etcdConfig;
        try {
            etcdConfig = stored.map(NetworkConfigJson::parse).orElse(null);
        } catch (IllegalArgumentException e) {
            return new ConfigCheck(ConfigState.DIFFERENT, link.prefix + "/config", stored.orElse(""));
        }
        return new ConfigCheck(config.equals(etcdConfig) ? ConfigState.SAME : ConfigState.DIFFERENT,
            link.prefix + "/config", stored.orElse(""));
    }

    /** Stops mirroring {@code network} and closes its etcd connection. */
    public void close(String network) {
        Link link = links.remove(network);
        if (link != null) {
            link.close();
        }
    }

    @PreDestroy
    void closeAll() {
        links.keySet().forEach(this::close);
    }

    private Link link(OverlayNetwork network, KubernetesClient client, String namespace) {
        String name = network.getMetadata().getName();
        EtcdStoreSpec etcd = network.getSpec().getLeaseStore().getEtcd();
        Secret secret = null;
        if (etcd.getTlsSecretRef() != null) {
            secret = client.secrets().inNamespace(namespace).withName(etcd.getTlsSecretRef().getName()).get();
            if (secret == null) {
                throw new IllegalArgumentException("spec.leaseStore.etcd.tlsSecretRef: no Secret "
                    + etcd.getTlsSecretRef().getName() + " in namespace " + namespace);
            }
        }
        String fingerprint = String.join(",", etcd.getEndpoints()) + "|" + etcd.prefixOrDefault() + "|"
            + (secret == null ? "" : secret.getMetadata().getUid() + "/" + secret.getMetadata().getResourceVersion())
            + "|" + network.getMetadata().getUid();
        Link existing = links.get(name);
        if (existing != null && existing.fingerprint.equals(fingerprint)) {
            return existing;
        }
        close(name);
        var options = EtcdOptions.builder().endpoints(etcd.getEndpoints()).prefix(etcd.prefixOrDefault());
        if (secret != null) {
            EtcdTlsFiles files = EtcdTlsFiles.write(secret, tlsRoot.resolve(name));
            options.caFile(Objects.toString(files.caFile(), null)).certFile(files.certFile().toString()).keyFile(files.keyFile().toString());
        }
        EtcdSubnetRegistry registry = EtcdSubnetRegistry.connect(options.build());
        Link link = new Link(fingerprint, etcd.prefixOrDefault(), registry);
        try {
            var mirror = new EtcdLeaseMirror(client, network);
            LeaseSnapshot snapshot = registry.list();
            mirror.resync(snapshot.leases());
            link.watch = registry.watch(snapshot.revision(), mirror);
        } catch (RuntimeException e) {
            link.close();
            throw e;
        }
        links.put(name, link);
        LOG.infof("mirroring the etcd leases of %s from %s", name, etcd.getEndpoints());
        return link;
    }

    private static final class Link {
        final String fingerprint;
        final String prefix;
        final EtcdSubnetRegistry registry;
        AutoCloseable watch;

        Link(String fingerprint, String prefix, EtcdSubnetRegistry registry) {
            this.fingerprint = fingerprint;
            this.prefix = prefix;
            this.registry = registry;
        }

        void close() {
            try {
                if (watch != null) {
                    watch.close();
                }
            } catch (Exception e) {
                LOG.debugf("closing an etcd watch: %s", e.getMessage());
            }
            registry.close();
        }
    }
}
