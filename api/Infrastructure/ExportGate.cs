using Microsoft.Extensions.Options;

namespace CpxTeleservice.Infrastructure;

/// <summary>CSV exports running at once: per caller and for the whole service.</summary>
public sealed class ExportGate(IOptions<LimitsOptions> options)
{
    private readonly Dictionary<string, int> _perCaller = new();
    private int _total;

    /// <summary>A lease to release when the export ends, or null when the caller or the service is at its limit.</summary>
    public IDisposable? TryEnter(string caller)
    {
        var limits = options.Value;
        lock (_perCaller)
        {
            var mine = _perCaller.GetValueOrDefault(caller);
            if (mine >= limits.ConcurrentExportsPerCaller || _total >= limits.ConcurrentExports)
            {
                return null;
            }

            _perCaller[caller] = mine + 1;
            _total++;
        }

        return new Lease(this, caller);
    }

    private void Leave(string caller)
    {
        lock (_perCaller)
        {
            _total--;
            if (--_perCaller[caller] == 0)
            {
                _perCaller.Remove(caller);
            }
        }
    }

    private sealed class Lease(ExportGate gate, string caller) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                gate.Leave(caller);
            }
        }
    }
}
