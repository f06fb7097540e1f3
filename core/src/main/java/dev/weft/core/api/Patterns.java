package dev.weft.core.api;

/** Regular expressions the CRD schemas validate with (the API server checks them before we see a resource). */
final class Patterns {
    static final String IPV4 = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$";
    static final String IPV4_CIDR = "^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])\\.){3}(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])/([0-9]|[12][0-9]|3[0-2])$";
    /** Loose on purpose: the shape of an IPv6 address; the reconciler parses it for real. */
    static final String IPV6 = "^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*$";
    static final String IPV6_CIDR = "^[0-9a-fA-F:.]*:[0-9a-fA-F:.]*/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8])$";
    /** A Go duration as Flannel and Kubernetes write them: 24h, 1h30m, 90s. */
    static final String DURATION = "^([0-9]+(\\.[0-9]+)?(ns|us|ms|s|m|h))+$";
    static final String BACKEND = "^(udp|vxlan|host-gw)$";
    static final String STORE = "^(kubernetes|etcd)$";

    private Patterns() {
    }
}
