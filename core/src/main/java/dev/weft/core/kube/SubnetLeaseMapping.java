package dev.weft.core.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.weft.core.api.ApiGroup;
import dev.weft.core.api.SubnetLease;
import dev.weft.core.api.SubnetLeaseSpec;
import dev.weft.core.lease.Lease;
import dev.weft.core.lease.LeaseAttrs;
import dev.weft.core.net.Cidr;
import dev.weft.core.net.IpAddresses;
import dev.weft.core.net.SubnetKey;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;

/** Converts between a {@link Lease} and the SubnetLease object that holds it. */
public final class SubnetLeaseMapping {
    private static final ObjectMapper JSON = new ObjectMapper();

    private SubnetLeaseMapping() {
    }

    /** The SubnetLease for {@code network}'s lease on {@code subnet}; {@code expiration} null makes a reservation. */
    public static SubnetLease toResource(String network, String node, SubnetKey subnet, LeaseAttrs attrs, Instant expiration) {
        var lease = new SubnetLease();
        lease.setMetadata(new ObjectMetaBuilder()
            .withName(SubnetLease.nameFor(network, subnet.ipv4()))
            .addToLabels(ApiGroup.NETWORK_LABEL, network)
            .build());
        var spec = new SubnetLeaseSpec();
        spec.setNetwork(network);
        spec.setNode(node);
        writeSpec(spec, subnet, attrs, expiration);
        lease.setSpec(spec);
        return lease;
    }

    /** Writes the subnet, attributes and expiration into {@code spec}, leaving network and node as they are. */
    public static void writeSpec(SubnetLeaseSpec spec, SubnetKey subnet, LeaseAttrs attrs, Instant expiration) {
        spec.setSubnet(subnet.ipv4().toString());
        spec.setIpv6Subnet(subnet.ipv6() == null ? null : subnet.ipv6().toString());
        spec.setPublicIP(attrs.publicIp().getHostAddress());
        spec.setPublicIPv6(attrs.publicIpv6() == null ? null : IpAddresses.format(attrs.publicIpv6()));
        if (attrs.backendType() == null && attrs.backendData() == null && attrs.backendV6Data() == null) {
            spec.setBackend(null);
        } else {
            var backend = new SubnetLeaseSpec.LeaseBackend();
            backend.setType(attrs.backendType());
            backend.setData(parse(attrs.backendData()));
            backend.setV6Data(parse(attrs.backendV6Data()));
            spec.setBackend(backend);
        }
        spec.setExpiresAt(expiration == null ? null : expiration.toString());
    }

    /**
     * The lease a SubnetLease holds. Throws {@link IllegalArgumentException} naming the object and
     * the field when it is malformed (a store skips and logs such objects).
     */
    public static Lease toLease(SubnetLease resource) {
        String name = resource.getMetadata() == null ? "?" : resource.getMetadata().getName();
        SubnetLeaseSpec spec = resource.getSpec();
        if (spec == null) {
            throw new IllegalArgumentException("SubnetLease " + name + ": no spec");
        }
        try {
            Cidr v4 = Cidr.parse(Objects.requireNonNull(spec.getSubnet(), "missing"));
            Cidr v6 = spec.getIpv6Subnet() == null ? null : Cidr.parse(spec.getIpv6Subnet());
            var key = new SubnetKey(v4, v6);
            Inet4Address publicIp = IpAddresses.parseIpv4(Objects.requireNonNull(spec.getPublicIP(), "spec.publicIP missing"));
            Inet6Address publicIpv6 = spec.getPublicIPv6() == null ? null : IpAddresses.parseIpv6(spec.getPublicIPv6());
            var backend = spec.getBackend();
            var attrs = new LeaseAttrs(publicIp, publicIpv6,
                backend == null ? null : backend.getType(),
                backend == null ? null : text(backend.getData()),
                backend == null ? null : text(backend.getV6Data()));
            Instant expiration = spec.getExpiresAt() == null ? null : Instant.parse(spec.getExpiresAt());
            return new Lease(key, attrs, expiration, versionOf(resource));
        } catch (IllegalArgumentException | NullPointerException | DateTimeParseException e) {
            throw new IllegalArgumentException("SubnetLease " + name + " is malformed: " + e.getMessage(), e);
        }
    }

    /**
     * The lease's version: the object's uid (a lease deleted and created again is another lease) and
     * its generation, which only a change of the spec moves (status updates move the resourceVersion).
     */
    public static String versionOf(SubnetLease resource) {
        return resource.getMetadata().getUid() + "/" + resource.getMetadata().getGeneration();
    }

    /** Whether two leases say the same thing (subnet, attributes, expiration), whatever their versions. */
    static boolean sameContent(Lease a, Lease b) {
        return a.subnet().equals(b.subnet()) && a.attrs().equals(b.attrs()) && Objects.equals(a.expiration(), b.expiration());
    }

    private static JsonNode parse(String json) {
        if (json == null) {
            return null;
        }
        try {
            return JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("backend data is not JSON: " + json, e);
        }
    }

    private static String text(JsonNode node) {
        return node == null || node.isNull() ? null : node.toString();
    }
}
