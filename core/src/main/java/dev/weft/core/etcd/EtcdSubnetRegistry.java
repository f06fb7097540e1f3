package dev.weft.core.etcd;

import static dev.weft.core.etcd.EtcdKeys.bytes;
import static dev.weft.core.etcd.EtcdKeys.text;
import static dev.weft.core.etcd.EtcdRpc.await;

import dev.weft.core.config.InvalidConfigException;
import dev.weft.core.config.NetworkConfig;
import dev.weft.core.config.NetworkConfigJson;
import dev.weft.core.lease.ConfigNotFoundException;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.lease.LeaseListener;
import dev.weft.core.lease.LeaseLostException;
import dev.weft.core.lease.LeaseSnapshot;
import dev.weft.core.lease.LeaseStoreException;
import dev.weft.core.lease.SubnetRegistry;
import dev.weft.core.net.SubnetKey;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.ClientBuilder;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.lease.LeaseGrantResponse;
import io.etcd.jetcd.lease.LeaseTimeToLiveResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.DeleteOption;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.LeaseOption;
import io.etcd.jetcd.options.PutOption;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Leases in etcd v3, in Flannel's layout (flannel-compat.md §2), so that Weft agents and flanneld
 * share one network. Each lease key is bound to its own etcd lease, whose TTL is the lease's
 * lifetime; a key bound to no etcd lease is a reservation. A lease's version is the key's mod
 * revision, and every write is a transaction conditional on it.
 */
public final class EtcdSubnetRegistry implements SubnetRegistry {
    private static final System.Logger LOG = System.getLogger(EtcdSubnetRegistry.class.getName());
    private static final String CONFIG_NOT_FOUND =
        "flannel config not found in etcd store. Did you create your config using etcdv3 API?";

    private final Client client;
    private final EtcdKeys keys;
    private final Clock clock;
    private final Set<EtcdLeaseWatch> watches = ConcurrentHashMap.newKeySet();
    private volatile Duration watchLiveness = EtcdLeaseWatch.DEFAULT_LIVENESS;

    private EtcdSubnetRegistry(Client client, String prefix, Clock clock) {
        this.client = client;
        this.keys = new EtcdKeys(prefix);
        this.clock = clock;
    }

    /** Connects to etcd as {@code options} say. No request is made yet: a down etcd fails the first call. */
    public static EtcdSubnetRegistry connect(EtcdOptions options) {
        return new EtcdSubnetRegistry(newClient(options), options.prefix(), Clock.systemUTC());
    }

    static Client newClient(EtcdOptions options) {
        ClientBuilder builder = Client.builder()
            .endpoints(options.endpoints().toArray(java.net.URI[]::new))
            .connectTimeout(Duration.ofSeconds(5))
            // Fail fast while etcd is down, instead of queueing calls until it is back: the agent keeps
            // forwarding with what it knows and retries on its own schedule.
            .waitForReady(false);
        if (options.username() != null) {
            builder.user(bytes(options.username())).password(bytes(options.password()));
        }
        if (options.usesTls()) {
            try {
                builder.sslContext(ssl -> {
                    ssl.keyManager(options.certFile().toFile(), options.keyFile().toFile());
                    if (options.caFile() != null) {
                        ssl.trustManager(options.caFile().toFile());
                    }
                    ssl.protocols("TLSv1.3", "TLSv1.2"); // Flannel: TLS 1.2 or later
                });
            } catch (IOException | IllegalArgumentException e) {
                throw new IllegalArgumentException("etcd-certfile/etcd-keyfile/etcd-cafile: cannot set up TLS with "
                    + options.certFile() + ", " + options.keyFile()
                    + (options.caFile() == null ? "" : ", " + options.caFile()) + ": " + e.getMessage(), e);
            }
        }
        return builder.build();
    }

    // ---- network config ----

    @Override
    public NetworkConfig getNetworkConfig() {
        String json = getConfigJson().orElseThrow(
            () -> new ConfigNotFoundException(CONFIG_NOT_FOUND + " (key " + keys.config() + ")"));
        try {
            return NetworkConfigJson.parse(json);
        } catch (InvalidConfigException e) {
            String detail = e.getMessage().startsWith(e.field() + ": ")
                ? e.getMessage().substring(e.field().length() + 2) : e.getMessage();
            throw new InvalidConfigException(e.field(), detail + " (in etcd key " + keys.config() + ")");
        }
    }

    /** The raw config JSON at {@code <prefix>/config}, if there is one. */
    public Optional<String> getConfigJson() {
        GetResponse response = await(client.getKVClient().get(bytes(keys.config())), "read " + keys.config());
        return response.getKvs().stream().findFirst().map(kv -> text(kv.getValue()));
    }

    /**
     * Writes {@code json} to {@code <prefix>/config} unless a config is there already; true when it
     * wrote. The JSON is validated first, so a bad config never reaches the agents.
     */
    public boolean putConfigIfAbsent(String json) {
        NetworkConfigJson.parse(json);
        ByteSequence key = bytes(keys.config());
        TxnResponse response = await(client.getKVClient().txn()
            .If(new Cmp(key, Cmp.Op.EQUAL, CmpTarget.version(0)))
            .Then(Op.put(key, bytes(json), PutOption.DEFAULT))
            .commit(), "create " + keys.config());
        return response.isSucceeded();
    }

    // ---- leases ----

    @Override
    public LeaseSnapshot list() {
        return listAt(0);
    }

    /** Every well-formed lease at {@code revision} (0: the latest); malformed entries are logged and skipped. */
    LeaseSnapshot listAt(long revision) {
        GetOption option = GetOption.builder().isPrefix(true).withRevision(revision).build();
        GetResponse response = await(client.getKVClient().get(bytes(keys.subnets()), option),
            "list " + keys.subnets() + (revision > 0 ? " at revision " + revision : ""));
        Map<Long, CompletableFuture<LeaseTimeToLiveResponse>> ttls = new HashMap<>();
        for (KeyValue kv : response.getKvs()) {
            if (kv.getLease() != 0) {
                ttls.computeIfAbsent(kv.getLease(), id -> client.getLeaseClient().timeToLive(id, LeaseOption.DEFAULT));
            }
        }
        Instant now = clock.instant();
        List<Lease> leases = new ArrayList<>();
        for (KeyValue kv : response.getKvs()) {
            CompletableFuture<LeaseTimeToLiveResponse> ttl = ttls.get(kv.getLease());
            toLease(kv, ttl == null ? null : now, ttl).ifPresent(leases::add);
        }
        return new LeaseSnapshot(leases, response.getHeader().getRevision());
    }

    /** One lease entry read from etcd, with its expiration looked up now; empty (and logged) when malformed. */
    Optional<Lease> readLease(KeyValue kv) {
        if (kv.getLease() == 0) {
            return toLease(kv, null, null);
        }
        Instant now = clock.instant();
        return toLease(kv, now, client.getLeaseClient().timeToLive(kv.getLease(), LeaseOption.DEFAULT));
    }

    /** The subnet a key names; empty (and logged) when it names none. */
    Optional<SubnetKey> subnetOf(String key) {
        try {
            return Optional.of(keys.parseSubnet(key));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "skipping etcd key {0}: {1}", key, e.getMessage());
            return Optional.empty();
        }
    }

    private Optional<Lease> toLease(KeyValue kv, Instant now, CompletableFuture<LeaseTimeToLiveResponse> ttl) {
        String key = text(kv.getKey());
        Optional<SubnetKey> subnet = subnetOf(key);
        if (subnet.isEmpty()) {
            return Optional.empty();
        }
        LeaseAttrs attrs;
        try {
            attrs = LeaseJson.parse(text(kv.getValue()));
        } catch (IllegalArgumentException e) {
            LOG.log(Level.WARNING, "skipping etcd key {0}: {1}", key, e.getMessage());
            return Optional.empty();
        }
        Instant expiration = null;
        if (ttl != null) {
            long seconds = await(ttl, "read the TTL of etcd lease " + Long.toHexString(kv.getLease()) + " of " + key)
                .getTTL();
            // -1: the etcd lease has just expired and etcd is deleting the key; it is expired now.
            expiration = now.plusSeconds(Math.max(seconds, 0));
        }
        return Optional.of(new Lease(subnet.get(), attrs, expiration, String.valueOf(kv.getModRevision())));
    }

    @Override
    public Optional<Lease> create(SubnetKey subnet, LeaseAttrs attrs, Duration ttl) {
        String key = keys.subnet(subnet);
        String value = LeaseJson.write(attrs);
        Instant now = clock.instant();
        LeaseGrantResponse grant = grant(ttl, key);
        boolean created = false;
        try {
            ByteSequence keyBytes = bytes(key);
            TxnResponse response = await(client.getKVClient().txn()
                .If(new Cmp(keyBytes, Cmp.Op.EQUAL, CmpTarget.version(0)))
                .Then(Op.put(keyBytes, bytes(value), PutOption.builder().withLeaseId(grant.getID()).build()))
                .commit(), "create " + key);
            created = response.isSucceeded();
            if (!created) {
                return Optional.empty();
            }
            return Optional.of(new Lease(subnet, attrs, now.plusSeconds(grant.getTTL()),
                String.valueOf(response.getHeader().getRevision())));
        } finally {
            if (!created) {
                revokeQuietly(grant.getID());
            }
        }
    }

    @Override
    public Lease update(Lease current, LeaseAttrs attrs, Duration ttl) {
        String key = keys.subnet(current.subnet());
        long version = revisionOf(current);
        String value = LeaseJson.write(attrs);
        Instant now = clock.instant();
        LeaseGrantResponse grant = ttl == null ? null : grant(ttl, key);
        long newLeaseId = grant == null ? 0 : grant.getID();
        boolean updated = false;
        try {
            ByteSequence keyBytes = bytes(key);
            PutOption put = PutOption.builder().withLeaseId(newLeaseId).withPrevKV().build();
            TxnResponse response = await(client.getKVClient().txn()
                .If(new Cmp(keyBytes, Cmp.Op.EQUAL, CmpTarget.modRevision(version)))
                .Then(Op.put(keyBytes, bytes(value), put))
                .commit(), "update " + key);
            updated = response.isSucceeded();
            if (!updated) {
                throw new LeaseLostException("lease " + key + " was deleted, expired or rewritten since version "
                    + current.version());
            }
            var previous = response.getPutResponses().get(0);
            if (previous.hasPrevKv() && previous.getPrevKv().getLease() != newLeaseId) {
                releaseEtcdLease(previous.getPrevKv().getLease());
            }
            return new Lease(current.subnet(), attrs, grant == null ? null : now.plusSeconds(grant.getTTL()),
                String.valueOf(response.getHeader().getRevision()));
        } finally {
            if (!updated && grant != null) {
                revokeQuietly(grant.getID());
            }
        }
    }

    @Override
    public boolean delete(Lease lease) {
        String key = keys.subnet(lease.subnet());
        ByteSequence keyBytes = bytes(key);
        TxnResponse response = await(client.getKVClient().txn()
            .If(new Cmp(keyBytes, Cmp.Op.EQUAL, CmpTarget.modRevision(revisionOf(lease))))
            .Then(Op.delete(keyBytes, DeleteOption.builder().withPrevKV(true).build()))
            .commit(), "delete " + key);
        if (!response.isSucceeded()) {
            return false;
        }
        for (KeyValue previous : response.getDeleteResponses().get(0).getPrevKvs()) {
            releaseEtcdLease(previous.getLease());
        }
        return true;
    }

    @Override
    public AutoCloseable watch(long afterRevision, LeaseListener listener) {
        EtcdLeaseWatch watch = new EtcdLeaseWatch(this, client, bytes(keys.subnets()), afterRevision, listener,
            watchLiveness, watches::remove);
        watches.add(watch);
        watch.start();
        return watch;
    }

    /** For tests: how soon a silent watch stream is probed (and given up on). */
    EtcdSubnetRegistry watchLiveness(Duration liveness) {
        this.watchLiveness = liveness;
        return this;
    }

    @Override
    public void close() {
        for (EtcdLeaseWatch watch : List.copyOf(watches)) {
            watch.close();
        }
        client.close();
    }

    private LeaseGrantResponse grant(Duration ttl, String key) {
        long seconds = Math.max(1, (ttl.toMillis() + 999) / 1000);
        return await(client.getLeaseClient().grant(seconds), "grant a " + seconds + " s etcd lease for " + key);
    }

    /**
     * Revokes an etcd lease that no longer holds a key of ours, but only once etcd confirms it holds no
     * key at all: revoking deletes every key bound to it. Best effort, in the background.
     */
    private void releaseEtcdLease(long id) {
        if (id == 0) {
            return;
        }
        client.getLeaseClient().timeToLive(id, LeaseOption.builder().withAttachedKeys().build())
            .thenCompose(ttl -> ttl.getKeys().isEmpty() && ttl.getTTL() > 0
                ? client.getLeaseClient().revoke(id).thenApply(r -> null)
                : CompletableFuture.completedFuture(null))
            .exceptionally(e -> {
                LOG.log(Level.DEBUG, "could not revoke etcd lease {0}: {1}", Long.toHexString(id), e.getMessage());
                return null;
            });
    }

    private void revokeQuietly(long id) {
        client.getLeaseClient().revoke(id).exceptionally(e -> {
            LOG.log(Level.DEBUG, "could not revoke etcd lease {0}: {1}", Long.toHexString(id), e.getMessage());
            return null;
        });
    }

    private static long revisionOf(Lease lease) {
        try {
            return Long.parseLong(lease.version());
        } catch (NumberFormatException e) {
            throw new LeaseStoreException("lease " + lease.subnet() + " has version \"" + lease.version()
                + "\", which is not an etcd mod revision: it was not read from etcd");
        }
    }
}
