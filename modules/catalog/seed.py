"""Demo catalog: categories, products, and opening stock for products inventory doesn't know."""

from __future__ import annotations

from decimal import Decimal
from typing import TextIO

from modkit.errors import ModuleUnavailable
from modules.inventory.interface import inventory

from . import services

CATEGORIES = {
    "kitchen": "Kitchen & Dining",
    "coffee": "Coffee & Tea",
    "office": "Office & Stationery",
    "outdoor": "Outdoor & Garden",
    "electronics": "Electronics",
    "apparel": "Apparel",
}

# sku, category, name, price, description
PRODUCTS = [
    ("KIT-MUG-01", "kitchen", "Stoneware Mug 350 ml", "12.50", "Stoneware, dishwasher safe."),
    ("KIT-MUG-02", "kitchen", "Enamel Camp Mug", "9.90", "Light enamel steel with a rolled rim."),
    ("KIT-KNF-01", "kitchen", "Chef's Knife 20 cm", "79.00", "Forged stainless steel, full tang."),
    ("KIT-BRD-01", "kitchen", "Oak Cutting Board", "34.00", "End-grain oak, 40 x 28 cm."),
    ("KIT-PAN-01", "kitchen", "Cast Iron Skillet 26 cm", "45.00", "Pre-seasoned, oven safe."),
    ("KIT-TWL-01", "kitchen", "Linen Tea Towels (set of 3)", "18.00", "Stonewashed linen."),
    ("KIT-BWL-01", "kitchen", "Ceramic Salad Bowl", "27.50", "Hand-thrown, 28 cm across."),
    ("KIT-SPC-01", "kitchen", "Spice Jar Set (6)", "22.00", "Glass jars with bamboo lids."),
    ("COF-BEAN-01", "coffee", "Ethiopia Yirgacheffe 250 g", "14.50", "Washed, floral and bright."),
    ("COF-BEAN-02", "coffee", "Colombia Huila 250 g", "13.00", "Caramel, red apple, cocoa."),
    ("COF-BEAN-03", "coffee", "House Espresso Blend 1 kg", "39.00", "Chocolate and hazelnut."),
    ("COF-GRD-01", "coffee", "Hand Burr Grinder", "89.00", "Steel burrs, 40 grind settings."),
    ("COF-PRS-01", "coffee", "French Press 1 l", "32.00", "Borosilicate glass, steel frame."),
    ("COF-DRP-01", "coffee", "Pour-Over Dripper", "24.00", "Porcelain cone, size 02."),
    ("COF-FLT-01", "coffee", "Paper Filters (100)", "6.50", "Unbleached, size 02."),
    ("COF-TEA-01", "coffee", "Sencha Green Tea 100 g", "11.00", "First flush, loose leaf."),
    ("COF-TEA-02", "coffee", "Earl Grey Loose Leaf 100 g", "9.50", "Black tea with bergamot."),
    ("OFF-NTB-01", "office", "Dot Grid Notebook A5", "16.00", "192 pages, 100 g/m2 paper."),
    ("OFF-NTB-02", "office", "Lined Notebook A4", "19.00", "Lay-flat binding, 160 pages."),
    ("OFF-PEN-01", "office", "Fountain Pen, Fine Nib", "38.00", "Steel nib, converter included."),
    ("OFF-PEN-02", "office", "Gel Pens (pack of 5)", "8.50", "0.5 mm, black ink."),
    ("OFF-DSK-01", "office", "Felt Desk Pad", "29.00", "Wool felt, 80 x 30 cm."),
    ("OFF-LMP-01", "office", "LED Desk Lamp", "64.00", "Dimmable, warm to cool white."),
    ("OFF-ORG-01", "office", "Bamboo Desk Organizer", "26.00", "Five compartments."),
    ("OUT-BTL-01", "outdoor", "Insulated Bottle 750 ml", "29.00", "Keeps cold 24 h, hot 12 h."),
    ("OUT-LNT-01", "outdoor", "Rechargeable Lantern", "42.00", "USB-C, 300 lumens."),
    ("OUT-CHR-01", "outdoor", "Folding Camp Chair", "55.00", "Aluminium frame, 120 kg load."),
    ("OUT-BLK-01", "outdoor", "Picnic Blanket", "37.00", "Waterproof backing, 150 x 200 cm."),
    ("OUT-GLV-01", "outdoor", "Gardening Gloves", "14.00", "Nitrile-coated, size M."),
    ("OUT-TRW-01", "outdoor", "Hand Trowel", "17.50", "Stainless steel, ash handle."),
    ("OUT-PLT-01", "outdoor", "Terracotta Planter 30 cm", "23.00", "With a drainage hole."),
    ("ELE-CBL-01", "electronics", "USB-C Cable 2 m", "12.00", "Braided, 100 W charging."),
    ("ELE-CHG-01", "electronics", "65 W GaN Charger", "45.00", "Two USB-C ports, one USB-A."),
    ("ELE-HDP-01", "electronics", "Wireless Headphones", "149.00", "Noise cancelling, 30 h."),
    ("ELE-SPK-01", "electronics", "Portable Speaker", "79.00", "Splash proof, 12 h battery."),
    ("ELE-KBD-01", "electronics", "Mechanical Keyboard", "119.00", "Hot-swap, TKL layout."),
    ("ELE-MSE-01", "electronics", "Wireless Mouse", "39.00", "Silent clicks, 70 days battery."),
    ("ELE-PWR-01", "electronics", "Power Bank 10000 mAh", "35.00", "USB-C in and out, 20 W."),
    ("APP-TEE-01", "apparel", "Organic Cotton T-Shirt", "25.00", "Heavyweight jersey, unisex."),
    ("APP-HOD-01", "apparel", "Zip Hoodie", "59.00", "Brushed fleece, recycled polyester."),
    ("APP-CAP-01", "apparel", "Canvas Cap", "21.00", "Adjustable strap, six panels."),
    ("APP-SCK-01", "apparel", "Merino Socks (2 pairs)", "19.50", "Cushioned sole, size 39-42."),
    ("APP-BEA-01", "apparel", "Ribbed Beanie", "18.00", "Lambswool blend."),
    ("APP-APR-01", "apparel", "Waxed Canvas Apron", "48.00", "Leather straps, two pockets."),
    ("APP-TOT-01", "apparel", "Canvas Tote Bag", "15.00", "Heavy canvas, inner pocket."),
]


def opening_stock(index: int) -> int:
    """A varied but deterministic opening stock (5..95 units) for the ``index``-th product."""
    return 5 + (index * 37) % 91


def seed(*, stdout: TextIO) -> None:
    """Create the demo categories and products, and stock the ones inventory doesn't know.

    Idempotent: existing categories and products are kept as they are, and stock is only
    added for skus absent from inventory, so a re-run adds nothing.
    """
    categories = {}
    for slug, name in CATEGORIES.items():
        categories[slug], created = services.category_get_or_create(slug=slug, name=name)
        stdout.write(f"catalog: category {slug} {'created' if created else 'exists'}\n")

    created_count = 0
    for sku, category, name, price, description in PRODUCTS:
        _, created = services.product_get_or_create(
            sku=sku,
            name=name,
            description=description,
            price=Decimal(price),
            category=categories[category],
        )
        created_count += created
    stdout.write(
        f"catalog: {created_count} product(s) created, "
        f"{len(PRODUCTS) - created_count} already present\n"
    )

    skus = [sku for sku, *_ in PRODUCTS]
    try:
        stocked = inventory.get_availability(skus=skus)
        missing = [(i, sku) for i, sku in enumerate(skus) if sku not in stocked]
        for index, sku in missing:
            inventory.adjust_stock(sku=sku, delta=opening_stock(index), reason="seed")
    except ModuleUnavailable as exc:
        stdout.write(f"catalog: inventory unavailable, stock not seeded (re-run later): {exc}\n")
        return
    stdout.write(f"catalog: opening stock given to {len(missing)} product(s)\n")
