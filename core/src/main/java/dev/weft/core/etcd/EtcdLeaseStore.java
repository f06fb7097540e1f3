package dev.weft.core.etcd;

import dev.weft.core.lease.LeaseStore;
import dev.weft.core.lease.RegistryLeaseStore;

/** The etcd lease store: the shared lease policy over Flannel's etcd layout. */
public final class EtcdLeaseStore {
    private EtcdLeaseStore() {
    }

    /** Connects to etcd as {@code options} say; closing the store closes the connection. */
    public static LeaseStore open(EtcdOptions options) {
        return new RegistryLeaseStore(EtcdSubnetRegistry.connect(options));
    }
}
