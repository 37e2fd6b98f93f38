"""Personal data is shown as 138****1234 and 4108**********1234."""

from lib.masking import mask_id_number, mask_name, mask_phone


def test_mobile_keeps_first_three_and_last_four():
    assert mask_phone("13812341234") == "138****1234"


def test_id_number_keeps_first_four_and_last_four():
    assert mask_id_number("410802199001011232") == "4108**********1232"


def test_short_values_are_masked_whole():
    assert mask_phone("12345") == "*****"
    assert mask_id_number("1234") == "****"


def test_name_keeps_family_name():
    assert mask_name("张丽") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
