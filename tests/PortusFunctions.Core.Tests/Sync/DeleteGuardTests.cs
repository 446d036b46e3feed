using PortusFunctions.Sync;

namespace PortusFunctions.Tests.Sync;

public sealed class DeleteGuardTests
{
    [Fact]
    public void Share_HalfTheTags_IsOneHalfAndAllowedAtDefault()
    {
        var share = DeleteGuard.Share(new PendingDeleteCounts(5, 0, 0, 0, 0), new StoreTotals(10, 10, 3));

        Assert.Equal(0.5, share);
        Assert.True(DeleteGuard.Allows(share, new SyncOptions().DeleteGuardRatio));
    }

    [Fact]
    public void Share_RepositoryContentCounts_HeldAboveRatio()
    {
        var share = DeleteGuard.Share(new PendingDeleteCounts(1, 0, 1, 5, 5), new StoreTotals(10, 20, 4));

        Assert.Equal(0.6, share, precision: 10);
        Assert.False(DeleteGuard.Allows(share, 0.5));
    }

    [Fact]
    public void Share_ManyRepositoriesFewTags_TakesLargestShare()
    {
        var share = DeleteGuard.Share(new PendingDeleteCounts(0, 0, 3, 1, 1), new StoreTotals(100, 100, 4));

        Assert.Equal(0.75, share);
    }

    [Fact]
    public void Share_NothingDeleted_IsZero()
    {
        Assert.Equal(0, DeleteGuard.Share(new PendingDeleteCounts(0, 0, 0, 0, 0), new StoreTotals(0, 0, 0)));
    }

    [Fact]
    public void Share_ConfirmedDeletesLeftOut_CountsOnlyRest()
    {
        var all = new PendingDeleteCounts(2, 1, 4, 8, 8);
        var confirmed = new PendingDeleteCounts(0, 0, 4, 8, 8);

        var share = DeleteGuard.Share(all.Without(confirmed), new StoreTotals(10, 10, 5));

        Assert.Equal(new PendingDeleteCounts(2, 1, 0, 0, 0), all.Without(confirmed));
        Assert.Equal(0.2, share, precision: 10);
    }

    [Fact]
    public void Allows_RatioOne_NeverHolds()
    {
        var share = DeleteGuard.Share(new PendingDeleteCounts(10, 10, 2, 0, 0), new StoreTotals(10, 10, 2));

        Assert.Equal(1, share);
        Assert.True(DeleteGuard.Allows(share, 1));
        Assert.False(DeleteGuard.Allows(share, 0.99));
    }
}

public sealed class SyncOptionsValidatorTests
{
    [Theory]
    [InlineData("disabled", SyncStrategy.Disabled)]
    [InlineData("initial", SyncStrategy.Initial)]
    [InlineData(" Update ", SyncStrategy.Update)]
    [InlineData("update-delete", SyncStrategy.UpdateDelete)]
    public void Validate_KnownStrategy_Succeeds(string value, SyncStrategy expected)
    {
        var options = new SyncOptions { Strategy = value };

        Assert.True(new SyncOptionsValidator().Validate(null, options).Succeeded);
        Assert.Equal(expected, options.ParsedStrategy);
    }

    [Fact]
    public void Validate_UnknownStrategy_NamesSettingAndValues()
    {
        var result = new SyncOptionsValidator().Validate(null, new SyncOptions { Strategy = "mirror" });

        Assert.True(result.Failed);
        Assert.Contains("Sync__Strategy = 'mirror'", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("disabled, initial, update, update-delete", result.FailureMessage, StringComparison.Ordinal);
    }
}
