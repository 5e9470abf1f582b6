using System.Collections.Concurrent;

namespace PrPortal.Features.LinkRisk;

/// <summary>One answer per key for a run: the work for a key starts once, however many links ask at the same moment.</summary>
public sealed class RunCache<T>(StringComparer comparer)
{
    private readonly ConcurrentDictionary<string, Lazy<Task<T>>> _entries = new(comparer);

    public Task<T> GetOrAdd(string key, Func<string, Task<T>> start) =>
        _entries.GetOrAdd(key, k => new Lazy<Task<T>>(() => start(k))).Value;
}
