package dev.weft.core.api;

/** The API group of Weft's resources and the labels its objects carry. */
public final class ApiGroup {
    public static final String NAME = "weft.dev";
    public static final String VERSION = "v1alpha1";

    /** On every SubnetLease and every object the operator creates for a network: the OverlayNetwork's name. */
    public static final String NETWORK_LABEL = NAME + "/network";
    /** On SubnetLease objects that only mirror a lease held in etcd; value: {@code etcd}. */
    public static final String MIRROR_LABEL = NAME + "/mirror";

    private ApiGroup() {
    }
}
