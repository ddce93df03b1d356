print("shopdeck")
