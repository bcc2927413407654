namespace NovaMind.Domain.Tests;

/// <summary>A clock that always reads the same instant (no extra packages needed).</summary>
internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}
