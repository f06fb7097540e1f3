package dev.weft.agent.os;

/**
 * Numbers from linux/netlink.h, rtnetlink.h, if_link.h, if_addr.h and if.h that the encoder,
 * decoder and facade share. Names are the kernel's, so they can be looked up there.
 */
public final class Rtnl {
    private Rtnl() {
    }

    public static final int NETLINK_ROUTE = 0;
    public static final int SOL_NETLINK = 270;
    public static final int NETLINK_CAP_ACK = 10;
    public static final int NETLINK_EXT_ACK = 11;

    // struct sizes
    public static final int NLMSGHDR_SIZE = 16;
    public static final int IFINFOMSG_SIZE = 16;
    public static final int IFADDRMSG_SIZE = 8;
    public static final int RTMSG_SIZE = 12;
    public static final int RTATTR_HEADER_SIZE = 4;
    public static final int NDMSG_SIZE = 12;

    // nlmsg_type
    public static final int NLMSG_NOOP = 1;
    public static final int NLMSG_ERROR = 2;
    public static final int NLMSG_DONE = 3;
    public static final int NLMSG_OVERRUN = 4;
    public static final int RTM_NEWLINK = 16;
    public static final int RTM_DELLINK = 17;
    public static final int RTM_GETLINK = 18;
    public static final int RTM_SETLINK = 19;
    public static final int RTM_NEWADDR = 20;
    public static final int RTM_DELADDR = 21;
    public static final int RTM_GETADDR = 22;
    public static final int RTM_NEWROUTE = 24;
    public static final int RTM_DELROUTE = 25;
    public static final int RTM_GETROUTE = 26;
    public static final int RTM_NEWNEIGH = 28;
    public static final int RTM_DELNEIGH = 29;
    public static final int RTM_GETNEIGH = 30;

    // nlmsg_flags
    public static final int NLM_F_REQUEST = 0x1;
    public static final int NLM_F_MULTI = 0x2;
    public static final int NLM_F_ACK = 0x4;
    public static final int NLM_F_ECHO = 0x8;
    public static final int NLM_F_DUMP_INTR = 0x10;
    public static final int NLM_F_ROOT = 0x100;
    public static final int NLM_F_MATCH = 0x200;
    public static final int NLM_F_DUMP = NLM_F_ROOT | NLM_F_MATCH;
    public static final int NLM_F_REPLACE = 0x100;
    public static final int NLM_F_EXCL = 0x200;
    public static final int NLM_F_CREATE = 0x400;
    public static final int NLM_F_APPEND = 0x800;
    /** On an NLMSG_ERROR: the echoed request was cut to its header. */
    public static final int NLM_F_CAPPED = 0x100;
    /** On an NLMSG_ERROR: extended-ack attributes follow the echoed request. */
    public static final int NLM_F_ACK_TLVS = 0x200;
    public static final int NLMSGERR_ATTR_MSG = 1;

    // link (ifinfomsg, IFLA_*)
    public static final int IFLA_ADDRESS = 1;
    public static final int IFLA_BROADCAST = 2;
    public static final int IFLA_IFNAME = 3;
    public static final int IFLA_MTU = 4;
    public static final int IFLA_LINK = 5;
    public static final int IFLA_TXQLEN = 13;
    public static final int IFLA_MASTER = 10;
    public static final int IFLA_OPERSTATE = 16;
    public static final int IFLA_LINKINFO = 18;
    public static final int IFLA_INFO_KIND = 1;
    public static final int IFLA_INFO_DATA = 2;

    // vxlan link data (nested in IFLA_INFO_DATA, linux/if_link.h)
    public static final int IFLA_VXLAN_ID = 1;
    public static final int IFLA_VXLAN_GROUP = 2;
    public static final int IFLA_VXLAN_LINK = 3;
    public static final int IFLA_VXLAN_LOCAL = 4;
    public static final int IFLA_VXLAN_LEARNING = 7;
    public static final int IFLA_VXLAN_L2MISS = 13;
    public static final int IFLA_VXLAN_PORT = 15;
    public static final int IFLA_VXLAN_GBP = 23;
    public static final int IFF_UP = 0x1;
    public static final int IFF_BROADCAST = 0x2;
    public static final int IFF_LOOPBACK = 0x8;
    public static final int IFF_POINTOPOINT = 0x10;
    public static final int IFF_RUNNING = 0x40;
    public static final int IFF_NOARP = 0x80;
    public static final int IFF_LOWER_UP = 0x10000;

    // address (ifaddrmsg, IFA_*)
    public static final int IFA_ADDRESS = 1;
    public static final int IFA_LOCAL = 2;
    public static final int IFA_LABEL = 3;
    public static final int IFA_BROADCAST = 4;
    public static final int IFA_CACHEINFO = 6;
    public static final int IFA_FLAGS = 8;
    public static final int IFA_F_SECONDARY = 0x01;
    public static final int IFA_F_TEMPORARY = IFA_F_SECONDARY;
    public static final int IFA_F_NODAD = 0x02;
    public static final int IFA_F_OPTIMISTIC = 0x04;
    public static final int IFA_F_DADFAILED = 0x08;
    public static final int IFA_F_HOMEADDRESS = 0x10;
    public static final int IFA_F_DEPRECATED = 0x20;
    public static final int IFA_F_TENTATIVE = 0x40;
    public static final int IFA_F_PERMANENT = 0x80;
    public static final int IFA_F_MANAGETEMPADDR = 0x100;
    public static final int IFA_F_NOPREFIXROUTE = 0x200;

    // route (rtmsg, RTA_*)
    public static final int RTA_DST = 1;
    public static final int RTA_SRC = 2;
    public static final int RTA_IIF = 3;
    public static final int RTA_OIF = 4;
    public static final int RTA_GATEWAY = 5;
    public static final int RTA_PRIORITY = 6;
    public static final int RTA_PREFSRC = 7;
    public static final int RTA_METRICS = 8;
    public static final int RTA_MULTIPATH = 9;
    public static final int RTA_TABLE = 15;
    public static final int RT_TABLE_UNSPEC = 0;
    public static final int RT_TABLE_MAIN = 254;
    public static final int RT_TABLE_LOCAL = 255;
    public static final int RTPROT_UNSPEC = 0;
    public static final int RTPROT_KERNEL = 2;
    public static final int RTPROT_BOOT = 3;
    public static final int RTPROT_STATIC = 4;
    public static final int RT_SCOPE_UNIVERSE = 0;
    public static final int RT_SCOPE_SITE = 200;
    public static final int RT_SCOPE_LINK = 253;
    public static final int RT_SCOPE_HOST = 254;
    public static final int RT_SCOPE_NOWHERE = 255;
    public static final int RTN_UNSPEC = 0;
    public static final int RTN_UNICAST = 1;
    public static final int RTN_LOCAL = 2;
    public static final int RTN_BROADCAST = 3;
    public static final int RTN_MULTICAST = 5;
    public static final int RTN_BLACKHOLE = 6;
    public static final int RTN_UNREACHABLE = 7;
    public static final int RTN_PROHIBIT = 8;
    public static final int RTNH_F_ONLINK = 0x4;

    // neighbours and forwarding database (ndmsg, NDA_*; linux/neighbour.h)
    public static final int NDA_DST = 1;
    public static final int NDA_LLADDR = 2;
    public static final int NUD_REACHABLE = 0x02;
    public static final int NUD_STALE = 0x04;
    public static final int NUD_NOARP = 0x40;
    public static final int NUD_PERMANENT = 0x80;
    /** On an AF_BRIDGE entry: it belongs to the device itself (the VXLAN FDB), not to a bridge. */
    public static final int NTF_SELF = 0x02;
    public static final int AF_BRIDGE = 7;

    /** Rounds up to the 4-byte alignment of netlink messages and attributes. */
    public static int align(int length) {
        return (length + 3) & ~3;
    }
}
