package dev.weft.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.weft.core.net.Cidr;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubnetEnvTest {

    @Test
    void writesFlannelsKeysAtomicallyWithMode0644(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("run/flannel/subnet.env");
        new SubnetEnv(Cidr.parse("10.1.0.0/16"), Cidr.parse("10.1.15.0/24"), null, null, 1472, false).writeAtomically(file);
        assertEquals("FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.15.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=false\n",
            Files.readString(file));
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        try (var listing = Files.list(file.getParent())) {
            assertEquals(1, listing.count(), "no temporary file left behind");
        }
    }

    @Test
    void readsThePreviousSubnetBack(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("subnet.env");
        Files.writeString(file, "FLANNEL_NETWORK=10.1.0.0/16\nFLANNEL_SUBNET=10.1.15.1/24\nFLANNEL_MTU=1472\nFLANNEL_IPMASQ=true\n");
        assertEquals("10.1.15.0-24", SubnetEnv.readPreviousSubnet(file).toString());
        Files.writeString(file, "FLANNEL_SUBNET=10.1.15.1/24\nFLANNEL_IPV6_SUBNET=fd00:1::1/64\n");
        assertEquals("10.1.15.0-24&fd00:1::-64", SubnetEnv.readPreviousSubnet(file).toString());
    }

    @Test
    void missingOrUnusableFileMeansNoPreviousSubnet(@TempDir Path dir) throws Exception {
        assertNull(SubnetEnv.readPreviousSubnet(dir.resolve("absent.env")));
        Path file = dir.resolve("subnet.env");
        Files.writeString(file, "FLANNEL_SUBNET=10.1.15.1/24,10.1.16.1/24\n");
        assertNull(SubnetEnv.readPreviousSubnet(file), "several entries count as empty, as in Flannel");
        Files.writeString(file, "FLANNEL_SUBNET=garbage\n");
        assertNull(SubnetEnv.readPreviousSubnet(file));
    }
}
