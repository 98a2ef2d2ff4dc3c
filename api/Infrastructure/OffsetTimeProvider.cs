namespace CpxTeleservice.Infrastructure;

/// <summary>The real clock moved by a fixed distance (Clock__StartAt, Clock__OffsetSeconds): it runs at the real pace.</summary>
public sealed class OffsetTimeProvider(TimeSpan offset) : TimeProvider
{
    /// <summary>How far this clock is from the real one.</summary>
    public TimeSpan Offset { get; } = offset;

    public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + Offset;
}
