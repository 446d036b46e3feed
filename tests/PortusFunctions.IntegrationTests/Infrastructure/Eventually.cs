namespace PortusFunctions.IntegrationTests.Infrastructure;

/// <summary>Waits for state that settles asynchronously, such as events applied after the webhook returned.</summary>
internal static class Eventually
{
    /// <summary>Default time to wait before the last observation is reported as the failure.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Polls <paramref name="observe"/> until <paramref name="settled"/> holds for its result, and returns that result;
    /// after the timeout, returns the last result so that the test's own assertions report the difference.
    /// </summary>
    public static async Task<T> ReachAsync<T>(Func<Task<T>> observe, Func<T, bool> settled, TimeSpan? timeout = null)
    {
        ArgumentNullException.ThrowIfNull(observe);
        ArgumentNullException.ThrowIfNull(settled);

        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            var value = await observe().ConfigureAwait(false);
            if (settled(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(200).ConfigureAwait(false);
        }
    }
}
