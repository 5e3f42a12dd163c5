import Lab
print("rllab")
