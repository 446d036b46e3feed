using PortusFunctions.Registry;

namespace PortusFunctions.Tests.Registry;

public sealed class LinkHeaderTests
{
    [Theory]
    [InlineData("</v2/_catalog?last=b&n=2>; rel=\"next\"", "/v2/_catalog?last=b&n=2")]
    [InlineData("<https://registry.example.com/v2/_catalog?last=a%2Fz&n=100>; rel=\"next\"", "https://registry.example.com/v2/_catalog?last=a%2Fz&n=100")]
    [InlineData("</v2/_catalog?cursor=opaque-token>;rel=next", "/v2/_catalog?cursor=opaque-token")]
    [InlineData("</v2/a/tags/list?last=v9>; title=\"page, two\"; rel=\"prefetch next\"", "/v2/a/tags/list?last=v9")]
    [InlineData("</first>; rel=\"first\", </second>; rel=\"next\"", "/second")]
    [InlineData("</x>; REL=\"Next\"", "/x")]
    public void TryFindNext_ValidHeader_ReturnsTarget(string header, string expected)
    {
        var parsed = LinkHeader.TryFindNext([header], out var target, out var error);

        Assert.True(parsed, error);
        Assert.Equal(expected, target);
    }

    [Theory]
    [InlineData("</prev>; rel=\"prev\"")]
    [InlineData("")]
    [InlineData("</self>")]
    public void TryFindNext_NoNextRelation_ReturnsNoTarget(string header)
    {
        var parsed = LinkHeader.TryFindNext([header], out var target, out _);

        Assert.True(parsed);
        Assert.Null(target);
    }

    [Theory]
    [InlineData("/v2/_catalog?last=b; rel=\"next\"")]
    [InlineData("</v2/_catalog?last=b; rel=\"next\"")]
    [InlineData("</v2/_catalog>; rel=\"next")]
    [InlineData("</v2/_catalog> rel=next")]
    [InlineData("</v2/_catalog>; =next")]
    public void TryFindNext_MalformedHeader_ReportsError(string header)
    {
        var parsed = LinkHeader.TryFindNext([header], out var target, out var error);

        Assert.False(parsed);
        Assert.Null(target);
        Assert.NotNull(error);
    }

    [Fact]
    public void TryFindNext_SeveralHeaderValues_TakesFirstNext()
    {
        var parsed = LinkHeader.TryFindNext(["</a>; rel=\"prev\"", "</b>; rel=\"next\"", "</c>; rel=\"next\""], out var target, out _);

        Assert.True(parsed);
        Assert.Equal("/b", target);
    }
}
