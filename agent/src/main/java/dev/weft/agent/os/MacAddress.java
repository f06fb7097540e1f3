package dev.weft.agent.os;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A 48-bit Ethernet address, written as Go's net.HardwareAddr does: "aa:bb:cc:dd:ee:ff". */
public final class MacAddress {
    private static final Pattern TEXT = Pattern.compile("[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}");
    private static final HexFormat COLONS = HexFormat.ofDelimiter(":");

    private final byte[] bytes;

    private MacAddress(byte[] bytes) {
        this.bytes = bytes;
    }

    public static MacAddress of(byte[] bytes) {
        if (bytes == null || bytes.length != 6) {
            throw new IllegalArgumentException("a MAC address has 6 bytes, got " + (bytes == null ? "none" : bytes.length));
        }
        return new MacAddress(bytes.clone());
    }

    /** Parses "aa:bb:cc:dd:ee:ff" (either case); anything else is an IllegalArgumentException. */
    public static MacAddress parse(String text) {
        if (text == null || !TEXT.matcher(text).matches()) {
            throw new IllegalArgumentException("invalid MAC address \"" + text + "\": expected six hex pairs like aa:bb:cc:dd:ee:ff");
        }
        return new MacAddress(COLONS.parseHex(text.toLowerCase(java.util.Locale.ROOT)));
    }

    public byte[] bytes() {
        return bytes.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof MacAddress m && Arrays.equals(bytes, m.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return COLONS.formatHex(bytes);
    }
}
