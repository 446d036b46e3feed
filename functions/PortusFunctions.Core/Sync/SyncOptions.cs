using System.ComponentModel.DataAnnotations;

namespace PortusFunctions.Sync;

/// <summary>Settings of the catalog synchronization (section <c>Sync</c>).</summary>
public sealed class SyncOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Sync";

    /// <summary>
    /// <c>disabled</c>, <c>initial</c> (import once into a store never synchronized), <c>update</c> (add and update,
    /// never delete) or <c>update-delete</c> (also delete what the registry no longer has).
    /// </summary>
    public string Strategy { get; set; } = SyncStrategies.InitialName;

    /// <summary>NCRONTAB schedule (six fields, with seconds) of the sync job.</summary>
    [Required(ErrorMessage = "Sync__Schedule is missing: set a six-field NCRONTAB schedule such as '0 */15 * * * *'.")]
    public string Schedule { get; set; } = "0 */15 * * * *";

    /// <summary>
    /// Time a run reads the registry. At its end the run cancels the registry requests in flight, commits what it
    /// read, saves its cursor and stops. Keep it below the function timeout (30 minutes on Flex Consumption), with
    /// room for those storage writes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:28:00", ErrorMessage = "Sync__TimeBudget must be between 00:00:01 and 00:28:00.")]
    public TimeSpan TimeBudget { get; set; } = TimeSpan.FromMinutes(20);

    /// <summary>
    /// Largest share of the store (of its tags, manifests or repositories) that a pass deletes without an operator's
    /// confirmation; 1 never holds deletes back, 0 holds back every delete.
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Sync__DeleteGuardRatio must be between 0 and 1.")]
    public double DeleteGuardRatio { get; set; } = 0.5;

    /// <summary>
    /// How far before the registry's time of a read the sync's writes are versioned, so that a registry event with a
    /// timestamp up to this much before the read wins over what the read saw.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00", ErrorMessage = "Sync__SettleMargin must be between 00:00:00 and 01:00:00.")]
    public TimeSpan SettleMargin { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Lifetime of the lease that keeps a second run from starting; a run renews it every third of this, and a run
    /// that dies holds it back at most this long.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:03", "00:30:00", ErrorMessage = "Sync__LeaseDuration must be between 00:00:03 and 00:30:00.")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>The parsed <see cref="Strategy"/>; valid after <see cref="SyncOptionsValidator"/> passed.</summary>
    public SyncStrategy ParsedStrategy => SyncStrategies.TryParse(Strategy, out var strategy) ? strategy : SyncStrategy.Disabled;
}

/// <summary>What the sync job does.</summary>
public enum SyncStrategy
{
    /// <summary>Nothing.</summary>
    Disabled,

    /// <summary>Import the registry once into a store never synchronized, then nothing.</summary>
    Initial,

    /// <summary>Add what is missing and update what changed; never delete.</summary>
    Update,

    /// <summary>As <see cref="Update"/>, and delete tags, manifests and repositories the registry proved absent.</summary>
    UpdateDelete,
}

/// <summary>Names of the strategies in settings.</summary>
public static class SyncStrategies
{
    /// <summary>Setting value of <see cref="SyncStrategy.Disabled"/>.</summary>
    public const string DisabledName = "disabled";

    /// <summary>Setting value of <see cref="SyncStrategy.Initial"/>.</summary>
    public const string InitialName = "initial";

    /// <summary>Setting value of <see cref="SyncStrategy.Update"/>.</summary>
    public const string UpdateName = "update";

    /// <summary>Setting value of <see cref="SyncStrategy.UpdateDelete"/>.</summary>
    public const string UpdateDeleteName = "update-delete";

    /// <summary>Every setting value, in the order the documentation lists them.</summary>
    public static IReadOnlyList<string> Names { get; } = [DisabledName, InitialName, UpdateName, UpdateDeleteName];

    /// <summary>Parses a setting value, ignoring case and surrounding whitespace.</summary>
    public static bool TryParse(string? value, out SyncStrategy strategy)
    {
        strategy = value?.Trim().ToLowerInvariant() switch
        {
            DisabledName => SyncStrategy.Disabled,
            InitialName => SyncStrategy.Initial,
            UpdateName => SyncStrategy.Update,
            UpdateDeleteName => SyncStrategy.UpdateDelete,
            _ => (SyncStrategy)(-1),
        };
        return Enum.IsDefined(strategy);
    }

    /// <summary>Returns the setting value of <paramref name="strategy"/>.</summary>
    public static string NameOf(SyncStrategy strategy) => strategy switch
    {
        SyncStrategy.Initial => InitialName,
        SyncStrategy.Update => UpdateName,
        SyncStrategy.UpdateDelete => UpdateDeleteName,
        _ => DisabledName,
    };
}
