package dev.weft.core.etcd;

import dev.weft.core.lease.LeaseStoreException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits for one jetcd call, turning its failure into a {@link LeaseStoreException} that says what was tried. */
final class EtcdRpc {
    /** Long enough for a loaded etcd, short enough that an agent notices a dead one and retries. */
    static final long TIMEOUT_SECONDS = 15;

    private EtcdRpc() {
    }

    static <T> T await(CompletableFuture<T> call, String what) {
        try {
            return call.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            call.cancel(true);
            throw new LeaseStoreException("etcd: interrupted while trying to " + what, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new LeaseStoreException("etcd: failed to " + what + ": " + cause.getMessage(), cause);
        } catch (TimeoutException e) {
            call.cancel(true);
            throw new LeaseStoreException("etcd: no answer within " + TIMEOUT_SECONDS + " s to " + what, e);
        }
    }
}
