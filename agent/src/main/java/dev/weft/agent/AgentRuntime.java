package dev.weft.agent;

import dev.weft.agent.backend.Backend;
import dev.weft.agent.backend.BackendContext;
import dev.weft.agent.backend.BackendFactory;
import dev.weft.agent.backend.ExternalInterface;
import dev.weft.agent.lease.LeaseKeeper;
import dev.weft.agent.lease.LeaseMetrics;
import dev.weft.agent.net.ExternalInterfaceSelector;
import dev.weft.agent.os.RouteNetlink;
import dev.weft.agent.udp.DataPathStats;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.etcd.EtcdLeaseStore;
import dev.weft.core.etcd.EtcdOptions;
import dev.weft.core.kube.KubernetesLeaseStore;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import dev.weft.core.lease.ConfigNotFoundException;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseStore;
import dev.weft.core.net.SubnetKey;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import dev.weft.agent.masq.TrafficRules;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jboss.logging.Logger;

/**
 * The agent's life: pick the interface, read the network config, take a lease, bring up the
 * backend, write subnet.env, report ready; then keep the lease and the peers until stopped.
 * On stop the lease is kept, so a restart gets the same subnet.
 */
@ApplicationScoped
public class AgentRuntime {
    private static final Logger LOG = Logger.getLogger(AgentRuntime.class);

    private final DataPathStats dataPathStats = new DataPathStats();
    private final LeaseMetrics leaseMetrics = new LeaseMetrics();
    private volatile boolean ready;
    private volatile int peerCount;
    private RouteNetlink netlink;
    private LeaseStore store;
    private KubernetesClient kubernetes;
    private Backend backend;
    private LeaseKeeper keeper;
    private TrafficRules rules;
    private volatile boolean stopping;

    public boolean isReady() {
        return ready;
    }

    public DataPathStats dataPathStats() {
        return dataPathStats;
    }

    public LeaseMetrics leaseMetrics() {
        return leaseMetrics;
    }

    public int peerCount() {
        return peerCount;
    }

    public void start(AgentFlags flags) throws Exception {
        netlink = RouteNetlink.open();
        ExternalInterface external = new ExternalInterfaceSelector(netlink)
            .select(flags.all("iface"), flags.all("iface-regex"), flags.get("iface-can-reach"), flags.get("public-ip"));
        LOG.infof("using interface %s (index %d, mtu %d) address %s, public IP %s", external.name(), external.index(),
            external.mtu(), external.interfaceAddr().getHostAddress(), external.publicIp().getHostAddress());

        store = openStore(flags);
        NetworkConfig config = awaitNetworkConfig(flags);
        LOG.infof("network %s, subnets /%d in %s .. %s, backend %s", config.network(), config.subnetLen(),
            config.subnetMin().getHostAddress(), config.subnetMax().getHostAddress(), config.backendType());

        backend = BackendFactory.create(config, external, new BackendContext(netlink, dataPathStats,
            flags.bool("udp-offloads")));
        Path subnetFile = Path.of(flags.get("subnet-file"));
        SubnetKey previous = SubnetEnv.readPreviousSubnet(subnetFile);
        boolean ipMasq = flags.bool("ip-masq");
        boolean forwardRules = flags.bool("iptables-forward-rules");
        if (ipMasq || forwardRules) {
            rules = new TrafficRules(config.enableNftables() ? TrafficRules.Mode.NFTABLES : TrafficRules.Mode.IPTABLES,
                ipMasq, forwardRules, List.of());
        }
        Duration resync = Duration.ofSeconds(flags.integer("iptables-resync"));
        Duration ttl = Duration.ofMinutes(flags.integer("subnet-lease-ttl"));
        Duration margin = Duration.ofMinutes(flags.integer("subnet-lease-renew-margin"));
        keeper = new LeaseKeeper(store, ttl, margin, Clock.systemUTC(), new LeaseKeeper.Listener() {
            @Override
            public void onOwnLease(Lease lease) throws Exception {
                int mtu = backend.start(lease);
                if (rules != null) {
                    // As flanneld: rules after the backend, before subnet.env; a failure is retried by the resync.
                    try {
                        rules.install(config.network(), lease.subnet().ipv4());
                    } catch (IOException e) {
                        LOG.errorf("installing traffic rules failed: %s (retrying every %d s)", e.getMessage(), resync.toSeconds());
                    }
                    rules.startResync(resync);
                }
                new SubnetEnv(config.network(), lease.subnet().ipv4(), null, null, mtu, ipMasq).writeAtomically(subnetFile);
                LOG.infof("wrote %s for subnet %s", subnetFile, lease.subnet());
            }

            @Override
            public void onPeers(Collection<Lease> peers) {
                if (!stopping) {
                    backend.setPeers(peers);
                    peerCount = peers.size();
                }
            }
        }, leaseMetrics);
        keeper.start(backend.leaseAttrs(external), previous);
        ready = true;
        LOG.info("ready");
    }

    private LeaseStore openStore(AgentFlags flags) throws Exception {
        if (flags.get("store").equals("kubernetes")) {
            String kubeconfig = flags.get("kubeconfig-file");
            Config config = kubeconfig.isEmpty()
                ? Config.autoConfigure(null) // in-cluster service account, else ~/.kube/config
                : Config.fromKubeconfig(null, Files.readString(Path.of(kubeconfig)), kubeconfig);
            kubernetes = new KubernetesClientBuilder().withConfig(config).build();
            String node = nodeName(flags);
            LOG.infof("lease store: Kubernetes API %s, OverlayNetwork %s, node %s", config.getMasterUrl(),
                flags.get("network"), node);
            return KubernetesLeaseStore.open(kubernetes, flags.get("network"), node);
        }
        EtcdOptions options = EtcdOptions.builder()
            .endpoints(flags.get("etcd-endpoints"))
            .prefix(flags.get("etcd-prefix"))
            .caFile(flags.get("etcd-cafile"))
            .certFile(flags.get("etcd-certfile"))
            .keyFile(flags.get("etcd-keyfile"))
            .username(flags.get("etcd-username"))
            .password(flags.get("etcd-password"))
            .build();
        LOG.infof("lease store: etcd %s", options);
        return EtcdLeaseStore.open(options);
    }

    /** --node-name, else $NODE_NAME (the DaemonSet sets it from spec.nodeName), else the host name. */
    private static String nodeName(AgentFlags flags) throws Exception {
        if (!flags.get("node-name").isEmpty()) {
            return flags.get("node-name");
        }
        String env = System.getenv("NODE_NAME");
        if (env != null && !env.isEmpty()) {
            return env;
        }
        return java.net.InetAddress.getLocalHost().getHostName();
    }

    /** Waits for the config (one log line while absent, as flanneld retries every second). */
    private NetworkConfig awaitNetworkConfig(AgentFlags flags) throws InterruptedException {
        String lastProblem = null;
        while (!stopping) {
            try {
                return store.getNetworkConfig();
            } catch (ConfigNotFoundException e) {
                if (!Objects.equals(lastProblem, "absent")) {
                    LOG.infof("waiting for the network config: %s", e.getMessage());
                    lastProblem = "absent";
                }
            } catch (RuntimeException e) {
                if (!Objects.equals(lastProblem, e.getMessage())) {
                    LOG.errorf("cannot use the network config yet: %s (retrying every second)", e.getMessage());
                    lastProblem = e.getMessage();
                }
            }
            Thread.sleep(1000);
        }
        throw new InterruptedException("stopped while waiting for the network config");
    }

    /**
     * SIGTERM: stop forwarding, close the TUN, keep the lease. Runs in Quarkus' shutdown (the JVM
     * exits right after it), and again harmlessly if startup failed first.
     */
    void onShutdown(@Observes ShutdownEvent event) {
        stop();
    }

    public synchronized void stop() {
        if (stopping) {
            return;
        }
        stopping = true;
        ready = false;
        if (keeper != null) {
            keeper.close();
        }
        if (backend != null) {
            backend.close();
        }
        if (rules != null) {
            rules.close();
        }
        if (store != null) {
            store.close();
        }
        if (kubernetes != null) {
            kubernetes.close();
        }
        if (netlink != null) {
            netlink.close();
        }
        LOG.info("stopped; the lease is kept for the next start");
    }
}
