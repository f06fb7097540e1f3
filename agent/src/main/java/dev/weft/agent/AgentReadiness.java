package dev.weft.agent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Quarkus health (/q/health/ready) with the same meaning as /readyz. */
@Readiness
@ApplicationScoped
public class AgentReadiness implements HealthCheck {

    @Inject
    AgentRuntime runtime;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("subnet-lease")
            .status(runtime.isReady())
            .withData("peers", runtime.peerCount())
            .build();
    }
}
