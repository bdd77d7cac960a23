#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif
import CSystemShims
import Synchronization

/// Reaps the orphaned descendants re-parented to this process, for `replicate -exec` as a
/// container's entrypoint (PID 1) or, having called `start()`, as a child subreaper anywhere: an
/// application's helpers whose parent died would otherwise stay zombies for ever.
///
/// It never reaps a `ChildProcess`'s own child, whose exit status belongs to that object: every
/// `ChildProcess` is spawned and reaped under the lock of this registry, and the reaper thread
/// only peeks at exited children (`waitid(P_ALL, …, WNOWAIT)`), then reaps the one it saw with
/// `waitpid(pid)` under the same lock, only if it is not registered. A registered zombie is left
/// to the `ChildProcess` thread that is about to reap it.
///
/// The thread blocks in `waitid`, off the cooperative pool. With no child at all (`ECHILD`) it
/// parks until the next spawn: without children there are no descendants either, so only a
/// spawn can bring a new orphan.
public enum OrphanReaper {
    private struct State {
        var owned: Set<pid_t> = []
        var spawns = 0
        var started = false
        var parked = false
    }
    private static let state = Mutex(State())
    /// Posted by a spawn while the reaper thread is parked.
    nonisolated(unsafe) private static let wakeUp: UnsafeMutablePointer<sem_t> = {
        let semaphore = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)
        sem_init(semaphore, 0, 0)
        return semaphore
    }()

    /// Starts the reaper thread (once per process), then makes this process a child subreaper
    /// (`prctl(PR_SET_CHILD_SUBREAPER)`) so that orphans below it are re-parented here rather
    /// than to PID 1. Throws `SystemError` when either fails; reaping then works as far as it can.
    public static func start() throws {
        let startThread = state.withLock { state in
            defer { state.started = true }
            return !state.started
        }
        if startThread, !DetachedThread.start(stackSize: 256 << 10, { reapForever() }) {
            state.withLock { $0.started = false }
            throw SystemError("pthread_create", "orphan reaper", errno: EAGAIN)
        }
        if swst_become_child_subreaper() != 0 {
            throw SystemError("prctl", "PR_SET_CHILD_SUBREAPER", errno: errno)
        }
    }

    /// Runs `spawn`, which returns a new child's process id, and registers the child, under the
    /// lock: the reaper cannot see the child before it is registered.
    static func spawnOwned(_ spawn: () throws -> pid_t) throws -> pid_t {
        let (pid, wake) = try state.withLock { state throws -> (pid_t, Bool) in
            let pid = try spawn()
            state.owned.insert(pid)
            state.spawns += 1
            defer { state.parked = false }
            return (pid, state.parked)
        }
        if wake { sem_post(wakeUp) }
        return pid
    }

    /// Runs `reap` (the owner's `waitpid(pid)`) and forgets `pid`, under the lock, so that a
    /// reused process id is never taken for the old child.
    static func reapOwned<Result: Sendable>(_ pid: pid_t, _ reap: () -> Result) -> Result {
        state.withLock { state in
            defer { state.owned.remove(pid) }
            return reap()
        }
    }

    private static func reapForever() {
        while true {
            let spawns = state.withLock { $0.spawns }
            var info = siginfo_t()
            guard waitid(P_ALL, 0, &info, WEXITED | WNOWAIT) == 0 else {
                if errno == EINTR { continue }
                // ECHILD: no child at all. Park unless a spawn happened since the peek.
                let park = state.withLock { state in
                    state.parked = state.spawns == spawns
                    return state.parked
                }
                if park {
                    var rc: Int32
                    repeat { rc = sem_wait(wakeUp) } while rc != 0 && errno == EINTR
                }
                continue
            }
            let pid = info._sifields._sigchld.si_pid
            let reaped = state.withLock { state in
                guard !state.owned.contains(pid) else { return false }
                var status: Int32 = 0
                _ = waitpid(pid, &status, WNOHANG)
                return true
            }
            // An owned zombie: its ChildProcess thread reaps it in a moment; peek again then.
            if !reaped { usleep(1000) }
        }
    }
}
