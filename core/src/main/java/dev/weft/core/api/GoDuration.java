package dev.weft.core.api;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations written as Go and Kubernetes write them: {@code 24h}, {@code 1h30m}, {@code 90s}, {@code 500ms}. */
public final class GoDuration {
    private static final Pattern PART = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)(ns|us|ms|s|m|h)");

    private GoDuration() {
    }

    /** Parses {@code text}; throws {@link InvalidSpecException} naming {@code field} when it is not a duration. */
    public static Duration parse(String field, String text) {
        if (text == null || text.isEmpty()) {
            throw new InvalidSpecException(field, "missing duration; expected e.g. 24h, 1h30m, 90s");
        }
        Matcher m = PART.matcher(text);
        long nanos = 0;
        int end = 0;
        while (m.find() && m.start() == end) {
            double value = Double.parseDouble(m.group(1));
            long unit = switch (m.group(2)) {
                case "ns" -> 1L;
                case "us" -> 1_000L;
                case "ms" -> 1_000_000L;
                case "s" -> 1_000_000_000L;
                case "m" -> 60_000_000_000L;
                default -> 3_600_000_000_000L;
            };
            nanos += Math.round(value * unit);
            end = m.end();
        }
        if (end != text.length() || end == 0) {
            throw new InvalidSpecException(field, "invalid duration \"" + text + "\"; expected e.g. 24h, 1h30m, 90s");
        }
        return Duration.ofNanos(nanos);
    }
}
