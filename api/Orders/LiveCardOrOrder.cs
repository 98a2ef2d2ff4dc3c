namespace CpxTeleservice.Orders;

/// <summary>A holder's live card (<c>card</c>) or order under way (<c>order</c>) of one type in a structure.</summary>
internal sealed record LiveCardOrOrder(string Kind, Guid Id);
