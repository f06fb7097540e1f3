package dev.weft.agent.os;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HexFormat;

/** Hex written as in the tests (spaces and line breaks ignored) to bytes and back. */
final class Bytes {
    private Bytes() {
    }

    static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replaceAll("\\s+", ""));
    }

    static ByteBuffer buffer(String text) {
        return ByteBuffer.wrap(hex(text)).order(ByteOrder.nativeOrder());
    }

    static String hex(byte[] bytes) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < bytes.length; i++) {
            out.append(i % 16 == 0 ? (i == 0 ? "" : "\n") : " ").append(String.format("%02x", bytes[i]));
        }
        return out.toString();
    }
}
