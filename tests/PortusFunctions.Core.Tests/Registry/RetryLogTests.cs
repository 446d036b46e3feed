using System.Net;
using Polly;
using Polly.Timeout;
using PortusFunctions.Registry;

namespace PortusFunctions.Tests.Registry;

public sealed class RetryLogTests
{
    [Fact]
    public void RequestUrl_WithUserInfo_LeavesItOut()
    {
        var url = RegistryServiceCollectionExtensions.RequestUrl(new Uri("https://robot:secret@registry.example.com:5000/v2/team/app/tags/list?n=100"));

        Assert.Equal("https://registry.example.com:5000/v2/team/app/tags/list?n=100", url);
    }

    [Fact]
    public void RetryReason_Timeout_NamesTimeoutAndSetting()
    {
        var outcome = Outcome.FromException<HttpResponseMessage>(new TimeoutRejectedException("timed out", TimeSpan.FromSeconds(2.5)));

        var reason = RegistryServiceCollectionExtensions.RetryReason(outcome);

        Assert.Equal("timed out after 2.5 s (Registry__RequestTimeout)", reason);
    }

    [Fact]
    public void RetryReason_Response_NamesStatus()
    {
        using var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable);

        var reason = RegistryServiceCollectionExtensions.RetryReason(Outcome.FromResult(response));

        Assert.Equal("returned 503 Service Unavailable", reason);
    }

    [Fact]
    public void RetryReason_ConnectionFailure_NamesException()
    {
        var outcome = Outcome.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused (127.0.0.1:5000)"));

        var reason = RegistryServiceCollectionExtensions.RetryReason(outcome);

        Assert.Equal("failed with HttpRequestException: Connection refused (127.0.0.1:5000)", reason);
    }
}
