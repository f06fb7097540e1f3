package dev.weft.agent;

import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

/** Flannel's health endpoints, same paths and bodies: /healthz always, /readyz once subnet.env is written. */
@ApplicationScoped
public class HealthRoutes {

    @Inject
    AgentRuntime runtime;

    void register(@Observes Router router) {
        router.get("/healthz").handler(ctx -> ctx.response().setStatusCode(200).end("flanneld is running"));
        router.get("/readyz").handler(ctx -> {
            if (runtime.isReady()) {
                ctx.response().setStatusCode(200).end("flanneld is ready");
            } else {
                ctx.response().setStatusCode(503).end("flanneld is not ready yet");
            }
        });
    }
}
