using PortusFunctions.Scanning;
using System.Text;
using PortusFunctions.Webhooks;
using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Core.Tests.Webhooks;

public sealed class SubscriptionRequestTests
{
    [Fact]
    public void Parse_EveryField_ReadsThem()
    {
        var (request, errors) = Parse("""
            {"url":"https://hooks.example.com/portus?team=a","repositories":["team/app","team/app","team/**"],"namespace":"ops",
             "events":["tag.pushed","vulnerabilities.found","tag.pushed"],"minimumSeverity":"Critical","format":"cloudevents",
             "headers":{"Authorization":"Bearer x","X-Team":"a"},"secret":"0123456789abcdef","description":"ci"}
            """);

        Assert.Empty(errors);
        Assert.Equal(new Uri("https://hooks.example.com/portus?team=a"), request!.Url);
        Assert.Equal(["team/app", "team/**"], request.Filter.Patterns);
        Assert.Equal("ops", request.Filter.Namespace);
        Assert.Equal(["tag.pushed", "vulnerabilities.found"], request.Events);
        Assert.Equal(VulnerabilitySeverity.Critical, request.MinimumSeverity);
        Assert.Equal(PayloadFormat.CloudEvents, request.Format);
        Assert.Equal("Bearer x", request.Headers["authorization"]);
        Assert.Equal("0123456789abcdef", request.Secret);
        Assert.Equal("ci", request.Description);
    }

    [Fact]
    public void Parse_MinimalRequest_UsesDefaults()
    {
        var (request, errors) = Parse("""{"url":"https://hooks.example.com/x","events":["tag.deleted"]}""");

        Assert.Empty(errors);
        Assert.Equal(PayloadFormat.Json, request!.Format);
        Assert.True(request.Filter.MatchesEverything);
        Assert.Null(request.Secret);
        Assert.Empty(request.Headers);
    }

    [Fact]
    public void Parse_SeveralInvalidFields_ReportsEach()
    {
        var (request, errors) = Parse("""{"url":"https://hooks.example.com/x#frag","events":["nope"],"format":"xml","headers":{"Content-Length":"1"}}""");

        Assert.Null(request);
        Assert.Equal(["url", "events", "format", "headers"], errors.Select(error => error.Field));
    }

    [Fact]
    public void Parse_UnknownEvent_ListsAcceptedTypes()
    {
        var (_, errors) = Parse("""{"url":"https://hooks.example.com/x","events":["push"]}""");

        var error = Assert.Single(errors);
        Assert.Equal("events", error.Field);
        Assert.Contains(string.Join(", ", WebhookEventTypes.All), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Connection")]
    [InlineData("transfer-encoding")]
    [InlineData("Host")]
    [InlineData("Content-Length")]
    [InlineData("Portus-Signature")]
    [InlineData("portus-delivery-id")]
    [InlineData("ce-id")]
    [InlineData("Bad Header")]
    public void Parse_ReservedOrInvalidHeader_Rejected(string name)
    {
        var (_, errors) = Parse($$$"""{"url":"https://hooks.example.com/x","events":["tag.pushed"],"headers":{"{{{name}}}":"v"}}""");

        Assert.Equal("headers", Assert.Single(errors).Field);
    }

    [Fact]
    public void Parse_SecretError_DoesNotEchoSecret()
    {
        var (_, errors) = Parse("""{"url":"https://hooks.example.com/x","events":["tag.pushed"],"secret":"tiny-secret"}""");

        var error = Assert.Single(errors);
        Assert.Equal("secret", error.Field);
        Assert.DoesNotContain("tiny-secret", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1]")]
    public void Parse_NotAnObject_ReportsBody(string body)
    {
        var (_, errors) = Parse(body);

        Assert.Equal("body", Assert.Single(errors).Field);
    }

    private static (SubscriptionRequest? Request, IReadOnlyList<FieldError> Errors) Parse(string json) =>
        SubscriptionRequest.Parse(Encoding.UTF8.GetBytes(json));
}
