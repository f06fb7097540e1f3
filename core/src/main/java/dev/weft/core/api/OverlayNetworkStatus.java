package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.ArrayList;
import java.util.List;

/** What the operator observed: conditions Ready, Progressing and Degraded, lease and agent counts. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OverlayNetworkStatus {
    private Long observedGeneration;
    private List<Condition> conditions = new ArrayList<>();
    private Subnets subnets;
    private Agents agents;

    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
    public List<Condition> getConditions() { return conditions; }
    public void setConditions(List<Condition> conditions) { this.conditions = conditions; }
    public Subnets getSubnets() { return subnets; }
    public void setSubnets(Subnets subnets) { this.subnets = subnets; }
    public Agents getAgents() { return agents; }
    public void setAgents(Agents agents) { this.agents = agents; }

    /** The condition of {@code type}, or null. */
    public Condition condition(String type) {
        return conditions == null ? null
            : conditions.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
    }

    /** How many subnets the network offers and how many are leased. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Subnets {
        private Long capacity;
        private Integer leased;

        public Subnets() {
        }

        public Subnets(Long capacity, Integer leased) {
            this.capacity = capacity;
            this.leased = leased;
        }

        public Long getCapacity() { return capacity; }
        public void setCapacity(Long capacity) { this.capacity = capacity; }
        public Integer getLeased() { return leased; }
        public void setLeased(Integer leased) { this.leased = leased; }
    }

    /** Agent pods the DaemonSet wants and has ready. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Agents {
        private Integer desired;
        private Integer ready;

        public Agents() {
        }

        public Agents(Integer desired, Integer ready) {
            this.desired = desired;
            this.ready = ready;
        }

        public Integer getDesired() { return desired; }
        public void setDesired(Integer desired) { this.desired = desired; }
        public Integer getReady() { return ready; }
        public void setReady(Integer ready) { this.ready = ready; }
    }
}
