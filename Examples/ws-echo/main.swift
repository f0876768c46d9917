print("ws-echo")
