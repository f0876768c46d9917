import Glibc

/// A bounded first-in first-out queue that store threads wait on (mutex + condition variable).
final class JobQueue<Job>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var jobs: [Job] = []
    private var head = 0
    private var closed = false
    /// Threads inside `take` waiting for a job.
    private var takers = 0
    let capacity: Int

    init(capacity: Int) {
        self.capacity = capacity
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Queues `job`; false when the queue is full or closed.
    func push(_ job: Job) -> Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !closed, jobs.count - head < capacity else { return false }
        jobs.append(job)
        pthread_cond_signal(&condition)
        return true
    }

    /// Waits for work and takes up to `limit` jobs; empty once closed and drained.
    func take(upTo limit: Int) -> ArraySlice<Job> {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while head == jobs.count && !closed {
            takers += 1
            pthread_cond_wait(&condition, &mutex)
            takers -= 1
        }
        let end = min(jobs.count, head + limit)
        let batch = jobs[head..<end]
        head = end
        if head == jobs.count {
            jobs.removeAll(keepingCapacity: jobs.capacity <= 4096)
            head = 0
        }
        return batch
    }

    /// True when every job queued has a thread waiting to take it: none would wait for a busy one.
    var isCoveredByWaitingThreads: Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return jobs.count - head <= takers
    }

    /// Threads waiting in `take`.
    var waitingThreads: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return takers
    }

    /// Jobs waiting.
    var count: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return jobs.count - head
    }

    /// Refuses new jobs; waiting threads drain what is queued, then get an empty batch.
    func close() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }
}

/// Starts a thread running `body`; the caller joins it.
func startThread(_ body: @escaping () -> Void) -> pthread_t {
    final class Box { let body: () -> Void; init(_ body: @escaping () -> Void) { self.body = body } }
    let box = Unmanaged.passRetained(Box(body))
    var thread = pthread_t()
    pthread_create(&thread, nil, { raw in
        guard let raw else { return nil }
        Unmanaged<Box>.fromOpaque(raw).takeRetainedValue().body()
        return nil
    }, box.toOpaque())
    return thread
}

/// One answer handed from a store thread to a thread that waits for it (start-up, CLI).
final class Rendezvous<T>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var value: T?

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    func fulfil(_ result: T) {
        pthread_mutex_lock(&mutex)
        value = result
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    func wait() -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while true {
            if let value { return value }
            pthread_cond_wait(&condition, &mutex)
        }
    }
}

/// A store job in the two halves a writer runs: `run` keeps the body's value, `finish` hands it
/// (or the batch's error) to `then` once the batch committed. Both backends' writers use it.
func storeJob<Connection, T>(_ body: @escaping (Connection) throws -> T, then: @escaping StoreCompletion<T>)
    -> (run: (Connection) throws -> Void, finish: (StoreError?) -> Void) {
    var value: T?
    return ({ value = try body($0) }, { error in
        if let error {
            then(.failure(error))
        } else if let value {
            then(.success(value))
        } else {
            then(.failure(StoreError(.other, "store: a job finished without a value")))
        }
    })
}
