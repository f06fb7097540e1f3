package dev.weft.core.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** Whether the lease is live, and when its holder last renewed it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SubnetLeaseStatus {
    public static final String ACTIVE = "Active";
    public static final String EXPIRED = "Expired";

    @Pattern("^(Active|Expired)$")
    @JsonPropertyDescription("Active, or Expired once expiresAt has passed (the operator deletes it after a grace period).")
    private String state;

    @JsonPropertyDescription("When the operator saw the lease created or renewed (RFC 3339).")
    private String renewedAt;

    @JsonPropertyDescription("The generation of the lease that renewedAt is about.")
    private Long observedGeneration;

    public SubnetLeaseStatus() {
    }

    public SubnetLeaseStatus(String state, String renewedAt) {
        this.state = state;
        this.renewedAt = renewedAt;
    }

    public String getState() { return state; }
    public void setState(String state) { this.state = state; }
    public String getRenewedAt() { return renewedAt; }
    public void setRenewedAt(String renewedAt) { this.renewedAt = renewedAt; }
    public Long getObservedGeneration() { return observedGeneration; }
    public void setObservedGeneration(Long observedGeneration) { this.observedGeneration = observedGeneration; }
}
