package dev.weft.agent;

import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import jakarta.inject.Inject;

/**
 * Entry point. Flags are checked before Quarkus starts, so a bad value stops the agent at once
 * with a message naming the flag; --healthz-ip/--healthz-port become the HTTP server's address.
 */
@QuarkusMain
public class AgentMain implements QuarkusApplication {

    @Inject
    AgentRuntime runtime;

    public static void main(String... args) {
        AgentFlags flags;
        try {
            flags = AgentFlags.parse(args, System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("weft-agent: " + e.getMessage());
            System.exit(2);
            return;
        }
        if (flags.bool("help")) {
            System.out.print(AgentFlags.help());
            return;
        }
        if (flags.bool("version")) {
            System.err.println(AgentMain.class.getPackage().getImplementationVersion() == null
                ? "weft-agent (development build)" : AgentMain.class.getPackage().getImplementationVersion());
            return;
        }
        int port = flags.integer("healthz-port");
        System.setProperty("quarkus.http.host", flags.get("healthz-ip"));
        System.setProperty("quarkus.http.port", Integer.toString(port));
        if (port == 0) {
            System.setProperty("quarkus.http.host-enabled", "false"); // Flannel: 0 means no healthz server
        }
        Quarkus.run(AgentMain.class, args);
    }

    @Override
    public int run(String... args) throws Exception {
        AgentFlags flags = AgentFlags.parse(args, System.getenv());
        try {
            runtime.start(flags);
        } catch (InterruptedException e) {
            runtime.stop();
            return 0;
        } catch (Exception e) {
            System.err.println("weft-agent: " + e.getMessage());
            org.jboss.logging.Logger.getLogger(AgentMain.class).error("startup failed", e);
            runtime.stop();
            return 1;
        }
        Quarkus.waitForExit(); // the runtime stops on Quarkus' ShutdownEvent
        return 0;
    }
}
