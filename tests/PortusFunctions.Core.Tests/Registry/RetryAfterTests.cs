using System.Net;
using System.Net.Http.Headers;
using PortusFunctions.Registry;

namespace PortusFunctions.Tests.Registry;

public sealed class RetryAfterTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 4, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void RetryAfterDelay_TooManyRequestsWithSeconds_WaitsThatLong()
    {
        using var response = Answer(HttpStatusCode.TooManyRequests, new RetryConditionHeaderValue(TimeSpan.FromSeconds(3)));

        Assert.Equal(TimeSpan.FromSeconds(3), RegistryServiceCollectionExtensions.RetryAfterDelay(response, Now));
    }

    [Fact]
    public void RetryAfterDelay_HttpDate_WaitsUntilThen()
    {
        using var response = Answer(HttpStatusCode.ServiceUnavailable, new RetryConditionHeaderValue(Now.AddSeconds(7)));

        Assert.Equal(TimeSpan.FromSeconds(7), RegistryServiceCollectionExtensions.RetryAfterDelay(response, Now));
    }

    [Fact]
    public void RetryAfterDelay_LongerThanMaximum_IsCapped()
    {
        using var response = Answer(HttpStatusCode.TooManyRequests, new RetryConditionHeaderValue(TimeSpan.FromHours(1)));

        Assert.Equal(RegistryServiceCollectionExtensions.MaxRetryAfter, RegistryServiceCollectionExtensions.RetryAfterDelay(response, Now));
    }

    [Fact]
    public void RetryAfterDelay_ServerErrorWithoutHeader_LeavesBackoff()
    {
        using var response = Answer(HttpStatusCode.InternalServerError, null);

        Assert.Null(RegistryServiceCollectionExtensions.RetryAfterDelay(response, Now));
    }

    private static HttpResponseMessage Answer(HttpStatusCode status, RetryConditionHeaderValue? retryAfter)
    {
        var response = new HttpResponseMessage(status);
        response.Headers.RetryAfter = retryAfter;
        return response;
    }
}
