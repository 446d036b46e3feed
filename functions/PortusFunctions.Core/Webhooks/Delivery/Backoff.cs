namespace PortusFunctions.Webhooks.Delivery;

/// <summary>Delays between delivery attempts: exponential with jitter, capped.</summary>
public static class Backoff
{
    /// <summary>
    /// Returns the delay after <paramref name="failedAttempts"/> failed attempts: <paramref name="initial"/> doubled
    /// for each failure after the first, capped at <paramref name="max"/>, then scaled into its upper half by
    /// <paramref name="jitter"/> (0 gives half the delay, 1 the whole), so deliveries that failed together spread out.
    /// </summary>
    /// <param name="failedAttempts">Failed attempts so far, at least 1.</param>
    /// <param name="initial">Delay after the first failure.</param>
    /// <param name="max">Longest delay.</param>
    /// <param name="jitter">A random number in [0, 1].</param>
    public static TimeSpan Delay(int failedAttempts, TimeSpan initial, TimeSpan max, double jitter)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempts, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(jitter, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitter, 1);

        var exponent = Math.Min(failedAttempts - 1, 30);
        var ticks = Math.Min(max.Ticks, initial.Ticks * Math.Pow(2, exponent));
        return TimeSpan.FromTicks((long)(ticks * (0.5 + (0.5 * jitter))));
    }

    /// <summary>
    /// Returns the delay before the next attempt: the backoff, or the target's <c>Retry-After</c> when that is
    /// longer, never more than <paramref name="max"/>.
    /// </summary>
    public static TimeSpan Next(int failedAttempts, TimeSpan initial, TimeSpan max, double jitter, TimeSpan? retryAfter)
    {
        var delay = Delay(failedAttempts, initial, max, jitter);
        if (retryAfter is not { } requested || requested <= delay)
        {
            return delay;
        }

        return requested < max ? requested : max;
    }
}
