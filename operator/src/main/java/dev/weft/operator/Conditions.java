package dev.weft.operator;

import dev.weft.core.api.OverlayNetworkStatus;
import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.api.model.ConditionBuilder;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/** Sets status conditions the Kubernetes way: lastTransitionTime moves only when the status does. */
final class Conditions {
    static final String READY = "Ready";
    static final String PROGRESSING = "Progressing";
    static final String DEGRADED = "Degraded";

    private Conditions() {
    }

    static void set(OverlayNetworkStatus status, String type, boolean value, String reason, String message,
                    long generation, Clock clock) {
        String text = value ? "True" : "False";
        Condition previous = status.condition(type);
        String since = previous != null && text.equals(previous.getStatus()) && previous.getLastTransitionTime() != null
            ? previous.getLastTransitionTime()
            : Instant.now(clock).truncatedTo(ChronoUnit.SECONDS).toString();
        Condition condition = new ConditionBuilder()
            .withType(type).withStatus(text).withReason(reason).withMessage(message)
            .withObservedGeneration(generation).withLastTransitionTime(since)
            .build();
        List<Condition> conditions = new ArrayList<>(status.getConditions() == null ? List.of() : status.getConditions());
        conditions.removeIf(c -> type.equals(c.getType()));
        conditions.add(condition);
        conditions.sort(java.util.Comparator.comparingInt(c -> List.of(READY, PROGRESSING, DEGRADED).indexOf(c.getType())));
        status.setConditions(conditions);
    }
}
