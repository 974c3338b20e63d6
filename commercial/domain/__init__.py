"""Commercial rules, pure (no Flask, no SQLAlchemy), one subject a module:

- `money`: Decimal rounded half-up to the cent;
- `text`: digits, accent folding, search keys;
- `documents`: matricula check digit, CPF/CNPJ;
- `contacts`: Brazilian mobiles and e-mail addresses;
- `tariffs`: the tariff cascade (tender 7.4/7.5);
- `consumption`: consumption between readings and averages;
- `febraban`: the FEBRABAN collection barcode, typed line and their check digits (mod 10/11);
- `pix`: the PIX BR Code payload (and its CRC16);
- `messages`: the personalised invoice messages (seed 004);
- `dates`: business days;
- `geometry`: point in polygon.
"""
