import Glibc

/// The standard `process_*` metrics every Prometheus client exports (CPU time, memory, file
/// descriptors, start time), read from the kernel only when scraped.
public enum ProcessMetrics {
    /// Registers `process_cpu_seconds_total`, `process_resident_memory_bytes`,
    /// `process_open_fds`, `process_max_fds` and `process_start_time_seconds` (the time of this call).
    public static func register(in registry: MetricsRegistry) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let startedAt = Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
        registry.counter("process_cpu_seconds_total", help: "User and system CPU time spent, in seconds.") {
            var usage = rusage()
            getrusage(RUSAGE_SELF.rawValue, &usage)
            return seconds(usage.ru_utime) + seconds(usage.ru_stime)
        }
        registry.gauge("process_resident_memory_bytes", help: "Resident memory size in bytes.") {
            Double(residentBytes() ?? 0)
        }
        registry.gauge("process_open_fds", help: "Open file descriptors.") {
            Double(openDescriptors() ?? 0)
        }
        registry.gauge("process_max_fds", help: "Limit on open file descriptors.") {
            var limit = rlimit()
            guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 0 }
            return Double(limit.rlim_cur)
        }
        registry.gauge("process_start_time_seconds", help: "Start time of the process since the Unix epoch, in seconds.") {
            startedAt
        }
    }

    private static func seconds(_ value: timeval) -> Double {
        Double(value.tv_sec) + Double(value.tv_usec) / 1e6
    }

    /// Second field of /proc/self/statm (pages) times the page size.
    static func residentBytes() -> Int? {
        let fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = read(fd, &buffer, buffer.count)
        guard count > 0 else { return nil }
        let fields = buffer[0..<count].split(separator: UInt8(ascii: " "))
        guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return nil }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
    }

    /// Entries of /proc/self/fd, less the one the listing itself holds open.
    static func openDescriptors() -> Int? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return max(0, count - 1)
    }
}
