namespace CpxTeleservice.Orders;

/// <summary>An order with its expected dates in working days (seed 004 §5).</summary>
public sealed record OrderView(
    Guid Id,
    Guid? StructureId,
    string CardType,
    string Kind,
    string State,
    HolderView Holder,
    string? Profession,
    string? ModeExercice,
    bool NewCodes,
    DateTime? DossierCompleteAt,
    DateOnly? ExpectedCardDate,
    DateOnly? ExpectedCodesDate,
    DateTime? CardShippedAt,
    DateTime? CardReceivedAt,
    DateTime? CodesShippedAt,
    Guid? CardId,
    Guid? ReplacesCardId,
    string? RejectionReason,
    DateTime CreatedAt,
    IReadOnlyList<OrderEventView>? History);
