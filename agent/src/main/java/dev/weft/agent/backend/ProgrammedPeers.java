package dev.weft.agent.backend;

import dev.weft.core.lease.Lease;
import dev.weft.core.net.SubnetKey;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jboss.logging.Logger;

/**
 * For a backend that programs the kernel per peer (vxlan, host-gw): the peers it should have, the
 * ones it has programmed, and what went wrong, all keyed by subnet. {@link #apply} brings the
 * kernel from one to the other; a peer that fails stays unprogrammed,
 * with its error logged once, and is tried again at the next apply, while the others keep
 * working. Leases a backend cannot use are logged once too. Not thread-safe: the backend's lock
 * guards it.
 */
public final class ProgrammedPeers<P> {
    private static final Logger LOG = Logger.getLogger(ProgrammedPeers.class);

    /** The kernel side of one backend. */
    public interface Programmer<P> {
        /** Programs one peer; throws when the kernel refuses, saying why. */
        void add(P peer) throws Exception;

        /** Unprograms one peer, best effort: what is already gone is fine. */
        void remove(P peer);
    }

    private final String backend;
    private final Map<SubnetKey, P> desired = new LinkedHashMap<>();
    private final Map<SubnetKey, P> programmed = new HashMap<>();
    private final Map<SubnetKey, String> errors = new HashMap<>();
    private final Map<SubnetKey, String> ignored = new HashMap<>();

    /** {@code backend} names the backend in the log: "vxlan", "host-gw". */
    public ProgrammedPeers(String backend) {
        this.backend = backend;
    }

    /** Starts a new desired set (a setPeers call): follow with {@link #want} and {@link #ignore}. */
    public void clearDesired() {
        desired.clear();
    }

    public void want(SubnetKey subnet, P peer) {
        ignored.remove(subnet);
        desired.put(subnet, peer);
    }

    /**
     * Whether {@code lease} is of {@code backendType}; if not, it is ignored as another backend's
     * (a lease without a type is Flannel's UDP backend's).
     */
    public boolean isOfType(Lease lease, String backendType) {
        String type = lease.attrs().backendType();
        if (backendType.equals(type)) {
            return true;
        }
        ignore(lease.subnet(), "backend type " + (type == null ? "udp (none given)" : type));
        return false;
    }

    /** A lease this backend cannot use (another backend type, bad data): logged once per reason. */
    public void ignore(SubnetKey subnet, String why) {
        if (!why.equals(ignored.put(subnet, why))) {
            LOG.warnf("%s: ignoring peer lease %s: %s", backend, subnet.ipv4(), why);
        }
    }

    public int desiredCount() {
        return desired.size();
    }

    /** The kernel lost these peers (a route deleted by hand): the next apply programs them again. */
    public void forgetIf(Predicate<P> lost) {
        programmed.values().removeIf(lost);
    }

    /** The kernel lost every peer (the device was recreated). */
    public void forgetAll() {
        programmed.clear();
    }

    /**
     * Removes what is no longer wanted (or wanted differently: a new public IP, a new MAC), then
     * programs what is missing; a peer that fails stays missing and is tried again next time.
     */
    public void apply(Programmer<P> programmer) {
        for (var it = programmed.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<SubnetKey, P> entry = it.next();
            if (!Objects.equals(desired.get(entry.getKey()), entry.getValue())) {
                programmer.remove(entry.getValue());
                it.remove();
            }
        }
        for (Map.Entry<SubnetKey, P> entry : desired.entrySet()) {
            SubnetKey subnet = entry.getKey();
            if (programmed.containsKey(subnet)) {
                continue;
            }
            try {
                programmer.add(entry.getValue());
                programmed.put(subnet, entry.getValue());
                errors.remove(subnet);
            } catch (Exception e) {
                String message = String.valueOf(e.getMessage());
                if (!message.equals(errors.put(subnet, message))) {
                    LOG.errorf("%s peer %s: %s (retried at every check; the other peers are unaffected)",
                        backend, subnet.ipv4(), message);
                }
            }
        }
        errors.keySet().retainAll(desired.keySet());
    }

    /** The peers whose last attempt failed, with the kernel's reason. */
    public Map<SubnetKey, String> errors() {
        return Map.copyOf(errors);
    }

    /** What is programmed now, for a backend's own checks. */
    public Collection<P> programmed() {
        return List.copyOf(programmed.values());
    }
}
