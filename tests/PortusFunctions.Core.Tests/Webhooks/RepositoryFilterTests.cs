using PortusFunctions.Webhooks.Subscriptions;

namespace PortusFunctions.Core.Tests.Webhooks;

public sealed class RepositoryFilterTests
{
    [Theory]
    [InlineData("team/app", "team/app", true)]
    [InlineData("team/app", "team/app/api", false)]
    [InlineData("team/app", "team/ap", false)]
    [InlineData("team/*", "team/app", true)]
    [InlineData("team/*", "team/app/api", false)]
    [InlineData("team/*", "team", false)]
    [InlineData("team/**", "team/app", true)]
    [InlineData("team/**", "team/app/api", true)]
    [InlineData("team/**", "team", false)]
    [InlineData("team/**", "teams/app", false)]
    [InlineData("**/api", "api", true)]
    [InlineData("**/api", "team/app/api", true)]
    [InlineData("**/api", "team/app/api2", false)]
    [InlineData("team/**/api", "team/api", true)]
    [InlineData("team/**/api", "team/a/b/api", true)]
    [InlineData("team/**/api", "other/a/api", false)]
    [InlineData("**", "anything/at/all", true)]
    [InlineData("**", "single", true)]
    [InlineData("*", "single", true)]
    [InlineData("*", "team/app", false)]
    [InlineData("team/app-*", "team/app-web", true)]
    [InlineData("team/app-*", "team/app", false)]
    [InlineData("team/*-web", "team/shop-web", true)]
    [InlineData("team/*-web", "team/shop-web/x", false)]
    [InlineData("*/a*", "team/app", true)]
    [InlineData("t*m/*p*", "team/app", true)]
    [InlineData("t*m/*p*", "team/abc", false)]
    [InlineData("a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    public void Matches_Pattern_ReturnsExpected(string pattern, string repository, bool expected)
    {
        Assert.Null(RepositoryPattern.Validate(pattern));
        Assert.Equal(expected, new RepositoryFilter([pattern], null).Matches(repository));
    }

    [Theory]
    [InlineData("team/app", true)]
    [InlineData("team/app/api", true)]
    [InlineData("teams/app", false)]
    [InlineData("team", false)]
    public void Matches_Namespace_MatchesEveryRepositoryUnderIt(string repository, bool expected)
    {
        Assert.Equal(expected, new RepositoryFilter([], "team").Matches(repository));
    }

    [Fact]
    public void Matches_PatternsAndNamespace_MatchesEither()
    {
        var filter = new RepositoryFilter(["library/*"], "team");

        Assert.True(filter.Matches("library/nginx"));
        Assert.True(filter.Matches("team/app"));
        Assert.False(filter.Matches("other/app"));
    }

    [Fact]
    public void Matches_EmptyFilter_MatchesEverything()
    {
        Assert.True(RepositoryFilter.Everything.Matches("any/repository"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("Team/App")]
    [InlineData("team//app")]
    [InlineData("team/a**")]
    [InlineData("team/***")]
    [InlineData("team/app?")]
    [InlineData("/team")]
    [InlineData("team/")]
    [InlineData("team app")]
    public void Validate_InvalidPattern_ReturnsReason(string pattern)
    {
        Assert.NotNull(RepositoryPattern.Validate(pattern));
    }

    [Fact]
    public void Validate_TooLong_ReturnsReason()
    {
        Assert.Contains("longer than 255", RepositoryPattern.Validate(new string('a', 256)), StringComparison.Ordinal);
    }
}
