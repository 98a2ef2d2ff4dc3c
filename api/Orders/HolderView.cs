namespace CpxTeleservice.Orders;

/// <summary>The holder of a card or an order, as the registry names them.</summary>
public sealed record HolderView(string IdNat, string Nom, string Prenom);
