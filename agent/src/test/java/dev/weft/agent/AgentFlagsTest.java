package dev.weft.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgentFlagsTest {

    @Test
    void defaultsAreFlannels() {
        AgentFlags flags = AgentFlags.parse(new String[0], Map.of());
        assertEquals("http://127.0.0.1:4001,http://127.0.0.1:2379", flags.get("etcd-endpoints"));
        assertEquals("/coreos.com/network", flags.get("etcd-prefix"));
        assertEquals("/run/flannel/subnet.env", flags.get("subnet-file"));
        assertEquals(60, flags.integer("subnet-lease-renew-margin"));
        assertEquals(0, flags.integer("healthz-port"));
        assertFalse(flags.bool("ip-masq"));
        assertEquals("etcd", flags.get("store"));
        assertEquals(5, flags.integer("iptables-resync"));
        assertTrue(flags.bool("iptables-forward-rules"));
    }

    @Test
    void commandLineFormsAndRepeats() {
        AgentFlags flags = AgentFlags.parse(new String[] {"--etcd-endpoints=http://192.168.0.2:2379", "--iface", "eth0",
            "-iface=eth1", "--ip-masq", "--healthz-port", "8080"}, Map.of());
        assertEquals("http://192.168.0.2:2379", flags.get("etcd-endpoints"));
        assertEquals(List.of("eth0", "eth1"), flags.all("iface"));
        assertTrue(flags.bool("ip-masq"));
        assertEquals(8080, flags.integer("healthz-port"));
    }

    @Test
    void environmentAppliesOnlyToFlagsNotOnTheCommandLine() {
        AgentFlags flags = AgentFlags.parse(new String[] {"--etcd-prefix=/cli"}, Map.of(
            "FLANNELD_ETCD_PREFIX", "/env", "FLANNELD_PUBLIC_IP", "192.168.0.100", "FLANNELD_IFACE", "eth0,eth1",
            "FLANNELD_SUBNET_LEASE_RENEW_MARGIN", "30"));
        assertEquals("/cli", flags.get("etcd-prefix"));
        assertEquals("192.168.0.100", flags.get("public-ip"));
        assertEquals(List.of("eth0", "eth1"), flags.all("iface"));
        assertEquals(30, flags.integer("subnet-lease-renew-margin"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "--subnet-lease-renew-margin=0     | --subnet-lease-renew-margin",
        "--subnet-lease-renew-margin=1440  | --subnet-lease-renew-margin",
        "--subnet-lease-renew-margin=soon  | --subnet-lease-renew-margin",
        "--healthz-port=70000              | --healthz-port",
        "--healthz-ip=example.com          | --healthz-ip",
        "--public-ip=192.168.0.300         | --public-ip",
        "--public-ipv6=10.0.0.1            | --public-ipv6",
        "--iface-can-reach=gateway         | --iface-can-reach",
        "--iface-regex=eth[                | --iface-regex",
        "--etcd-endpoints=127.0.0.1:2379   | --etcd-endpoints",
        "--store=consul                    | --store",
        "--store=kubernetes                | --network",
        "--ip-masq=maybe                   | --ip-masq",
        "--iptables-resync=0               | --iptables-resync",
        "--iptables-forward-rules=no       | --iptables-forward-rules",
        "--no-such-flag=1                  | --no-such-flag",
        "--etcd-prefix                     | --etcd-prefix",
        "stray                             | stray",
    })
    void badValuesNameTheFlag(String arg, String named) {
        var e = assertThrows(IllegalArgumentException.class, () -> AgentFlags.parse(new String[] {arg}, Map.of()));
        assertTrue(e.getMessage().contains(named), e.getMessage());
    }

    @Test
    void helpListsEveryFlagWithItsDefault() {
        String help = AgentFlags.help();
        for (String flag : List.of("--etcd-endpoints", "--etcd-prefix", "--etcd-cafile", "--etcd-certfile", "--etcd-keyfile",
                "--etcd-username", "--etcd-password", "--iface", "--iface-regex", "--iface-can-reach", "--public-ip",
                "--subnet-file", "--subnet-lease-renew-margin", "--ip-masq", "--healthz-ip", "--healthz-port", "--store")) {
            assertTrue(help.contains(flag + " "), flag);
        }
        assertTrue(help.contains("(default /run/flannel/subnet.env)"));
    }
}
