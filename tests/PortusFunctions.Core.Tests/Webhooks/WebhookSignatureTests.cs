using System.Text;
using PortusFunctions.Webhooks.Delivery;

namespace PortusFunctions.Core.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    private const string Secret = "test-secret-0123456789";
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("{\"id\":\"1\"}");

    [Fact]
    public void Create_KnownInput_MatchesOpenSsl()
    {
        // printf '%s' '1733400000.{"id":"1"}' | openssl dgst -sha256 -hmac 'test-secret-0123456789'
        Assert.Equal(
            "t=1733400000,v1=f0653bfa2dab80dff6cd331d54921920db765d3a743d858af9a4b2d07f2a690e",
            WebhookSignature.Create(Secret, 1733400000, Body));
    }

    [Fact]
    public void Verify_OwnSignature_Succeeds()
    {
        var now = DateTimeOffset.FromUnixTimeSeconds(1733400000);

        Assert.True(WebhookSignature.Verify(Secret, WebhookSignature.Create(Secret, 1733400000, Body), Body, now, TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Verify_ChangedBody_Fails()
    {
        var header = WebhookSignature.Create(Secret, 1733400000, Body);

        Assert.False(WebhookSignature.Verify(Secret, header, Encoding.UTF8.GetBytes("{\"id\":\"2\"}"), DateTimeOffset.FromUnixTimeSeconds(1733400000), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Verify_OtherSecret_Fails()
    {
        var header = WebhookSignature.Create(Secret, 1733400000, Body);

        Assert.False(WebhookSignature.Verify("another-secret-0123456", header, Body, DateTimeOffset.FromUnixTimeSeconds(1733400000), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Verify_OldTimestamp_Fails()
    {
        var header = WebhookSignature.Create(Secret, 1733400000, Body);

        Assert.False(WebhookSignature.Verify(Secret, header, Body, DateTimeOffset.FromUnixTimeSeconds(1733400000 + 301), TimeSpan.FromMinutes(5)));
    }

    [Fact]
    public void Verify_ChangedTimestamp_Fails()
    {
        var header = WebhookSignature.Create(Secret, 1733400000, Body).Replace("t=1733400000", "t=1733400001", StringComparison.Ordinal);

        Assert.False(WebhookSignature.Verify(Secret, header, Body, DateTimeOffset.FromUnixTimeSeconds(1733400000), TimeSpan.FromMinutes(5)));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("v1=abc")]
    [InlineData("t=abc,v1=abc")]
    public void Verify_MalformedHeader_Fails(string? header)
    {
        Assert.False(WebhookSignature.Verify(Secret, header, Body, DateTimeOffset.FromUnixTimeSeconds(1733400000), TimeSpan.FromMinutes(5)));
    }
}
