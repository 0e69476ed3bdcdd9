def running_average(x_test, x, decay=0.995):
    """
    The running average of the parameters used at test time:

        x_test = 0.995*x_test + 0.005*x

    Returns the new x_test; decay is the 0.995.
    """
    return decay * x_test + (1 - decay) * x
