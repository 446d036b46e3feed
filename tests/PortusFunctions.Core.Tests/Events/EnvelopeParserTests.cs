using System.Text;
using PortusFunctions.Events;

namespace PortusFunctions.Tests.Events;

public sealed class EnvelopeParserTests
{
    [Fact]
    public void Parse_Envelope_ReturnsEachEventWithRawJson()
    {
        var result = Parse("""{"events":[{"id":"a","action":"pull"},{"id":"b","action":"push"}]}""");

        Assert.True(result.IsSuccess);
        Assert.Equal(["a", "b"], result.Events.Select(incoming => incoming.Event!.Id));
        Assert.Equal("""{"id":"a","action":"pull"}""", result.Events[0].Raw);
    }

    [Fact]
    public void Parse_BareEventObject_ReturnsOneEvent()
    {
        var result = Parse("""{"id":"acr","action":"push","target":{"repository":"hello"}}""");

        Assert.Equal("acr", Assert.Single(result.Events).Event!.Id);
    }

    [Theory]
    [InlineData("", "not valid JSON")]
    [InlineData("{", "not valid JSON")]
    [InlineData("\"text\"", "JSON string")]
    [InlineData("{\"events\":[]}", "empty")]
    [InlineData("{\"events\":5}", "not an array")]
    [InlineData("{\"other\":1}", "has no events")]
    public void Parse_NoEvents_ReturnsErrorSayingWhy(string body, string reason)
    {
        var result = Parse(body);

        Assert.False(result.IsSuccess);
        Assert.Contains(reason, result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_DeeplyNestedJson_ReturnsErrorInsteadOfThrowing()
    {
        var body = "{\"events\":[" + new string('[', 10_000) + new string(']', 10_000) + "]}";

        var result = Parse(body);

        Assert.False(result.IsSuccess);
        Assert.Contains("depth", result.Error, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void Parse_MoreEventsThanAllowed_IsTooLarge()
    {
        var result = EnvelopeParser.Parse(Encoding.UTF8.GetBytes("{\"events\":[{},{},{}]}"), maxEvents: 2);

        Assert.True(result.IsTooLarge);
        Assert.Contains("3 events", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_EventOfWrongShape_KeepsItWithError()
    {
        var result = Parse("""{"events":["text",{"id":{"nested":true}}]}""");

        Assert.Equal(2, result.Events.Count);
        Assert.All(result.Events, incoming => Assert.NotNull(incoming.Error));
    }

    private static EnvelopeParseResult Parse(string body) => EnvelopeParser.Parse(Encoding.UTF8.GetBytes(body), 1000);
}
