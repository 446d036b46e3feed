using PortusFunctions.Webhooks.Delivery;

namespace PortusFunctions.Core.Tests.Webhooks;

public sealed class BackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan Max = TimeSpan.FromHours(1);

    [Theory]
    [InlineData(1, 30)]
    [InlineData(2, 60)]
    [InlineData(3, 120)]
    [InlineData(7, 1920)]
    [InlineData(8, 3600)]
    [InlineData(50, 3600)]
    public void Delay_FullJitter_DoublesUpToMax(int failedAttempts, int expectedSeconds)
    {
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), Backoff.Delay(failedAttempts, Initial, Max, jitter: 1));
    }

    [Fact]
    public void Delay_NoJitter_IsHalfTheDelay()
    {
        Assert.Equal(TimeSpan.FromSeconds(60), Backoff.Delay(3, Initial, Max, jitter: 0));
    }

    [Fact]
    public void Delay_RandomJitter_StaysInUpperHalf()
    {
        var random = new Random(7);
        for (var attempt = 1; attempt <= 12; attempt++)
        {
            var full = Backoff.Delay(attempt, Initial, Max, jitter: 1);
            var delay = Backoff.Delay(attempt, Initial, Max, random.NextDouble());

            Assert.InRange(delay, full / 2, full);
        }
    }

    [Fact]
    public void Next_LongerRetryAfter_Wins()
    {
        Assert.Equal(TimeSpan.FromMinutes(10), Backoff.Next(1, Initial, Max, 1, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void Next_RetryAfterBeyondMax_IsCapped()
    {
        Assert.Equal(Max, Backoff.Next(1, Initial, Max, 1, TimeSpan.FromDays(2)));
    }

    [Fact]
    public void Next_ShorterRetryAfter_KeepsBackoff()
    {
        Assert.Equal(TimeSpan.FromSeconds(120), Backoff.Next(3, Initial, Max, 1, TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData(0, 0.5)]
    [InlineData(1, -0.1)]
    [InlineData(1, 1.1)]
    public void Delay_InvalidArguments_Throw(int failedAttempts, double jitter)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Backoff.Delay(failedAttempts, Initial, Max, jitter));
    }
}
