using System.Globalization;

namespace PortusFunctions.Images;

/// <summary>
/// The position of a change in the total order of changes to the store: the time the registry reported it,
/// then the source id (an event id, or <c>sync:</c> and a run id) as a tie-breaker in ordinal order.
/// </summary>
/// <remarks>
/// Every row that a change can overwrite keeps the version of the change that last wrote it, and a change is
/// applied to a row only when its version is greater. Because "greater" is a total order and applying is a
/// maximum, any permutation of a set of changes, with or without duplicates, ends in the same rows.
/// </remarks>
public readonly record struct ChangeVersion(long Ticks, string Source) : IComparable<ChangeVersion>
{
    /// <summary>The version before every change.</summary>
    public static ChangeVersion None { get; } = new(0, "");

    /// <summary>Whether this is <see cref="None"/>.</summary>
    public bool IsNone => Ticks == 0 && string.IsNullOrEmpty(Source);

    /// <summary>The time of the change, in UTC.</summary>
    public DateTimeOffset Time => new(Ticks, TimeSpan.Zero);

    /// <summary>Creates the version of a change reported at <paramref name="time"/> by <paramref name="source"/>.</summary>
    public static ChangeVersion At(DateTimeOffset time, string source) => new(time.UtcTicks, source);

    /// <inheritdoc/>
    public int CompareTo(ChangeVersion other)
    {
        var byTime = Ticks.CompareTo(other.Ticks);
        return byTime != 0 ? byTime : string.CompareOrdinal(Source ?? "", other.Source ?? "");
    }

    /// <summary>Whether <paramref name="left"/> comes after <paramref name="right"/>.</summary>
    public static bool operator >(ChangeVersion left, ChangeVersion right) => left.CompareTo(right) > 0;

    /// <summary>Whether <paramref name="left"/> comes before <paramref name="right"/>.</summary>
    public static bool operator <(ChangeVersion left, ChangeVersion right) => left.CompareTo(right) < 0;

    /// <summary>Whether <paramref name="left"/> does not come before <paramref name="right"/>.</summary>
    public static bool operator >=(ChangeVersion left, ChangeVersion right) => left.CompareTo(right) >= 0;

    /// <summary>Whether <paramref name="left"/> does not come after <paramref name="right"/>.</summary>
    public static bool operator <=(ChangeVersion left, ChangeVersion right) => left.CompareTo(right) <= 0;

    /// <summary>Returns the later of two versions.</summary>
    public static ChangeVersion Max(ChangeVersion left, ChangeVersion right) => left >= right ? left : right;

    /// <inheritdoc/>
    public override string ToString() =>
        IsNone ? "none" : $"{Time.ToString("O", CultureInfo.InvariantCulture)}/{Source}";
}
